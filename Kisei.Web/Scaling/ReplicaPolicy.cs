namespace Kisei.Web.Scaling;

/// <summary>
/// How many replicas the total score asks for (docs/design.md §1.4): <c>floor(S/810) + 1</c>, clamped to
/// [MinReplicas, MaxReplicas], with MaxReplicas capped by the monthly budget. Up at once; down only
/// once the lower target has held for the stabilization window, as the Kubernetes HPA does it: the
/// replicas never drop below the highest recommendation made within the window.
/// </summary>
public sealed class ReplicaPolicy(ReplicaPolicySettings settings)
{
    /// <summary>The largest replica count the settings allow, budget included.</summary>
    public int EffectiveMaxReplicas { get; } = settings.EffectiveMaxReplicas;

    /// <summary>The target for a total score, before stabilization.</summary>
    public int Recommend(decimal totalScore)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalScore);

        // floor(S / 810) + 1, from the original app's scaler.
        var raw = decimal.Floor(totalScore / settings.PointsPerReplica) + 1;
        return (int)Math.Clamp(raw, settings.MinReplicas, EffectiveMaxReplicas);
    }

    /// <summary>
    /// Decides what to do now. <paramref name="history"/> holds the recommendations of earlier runs
    /// (any order); the window counts as observed only when one of them is at least a window old.
    /// </summary>
    public ReplicaDecision Decide(decimal totalScore, int currentReplicas, IReadOnlyCollection<Recommendation> history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(history);
        var target = Recommend(totalScore);
        if (target > currentReplicas)
        {
            return new ReplicaDecision(target, target, ScalingAction.Scaled);
        }

        if (target == currentReplicas)
        {
            return new ReplicaDecision(target, currentReplicas, ScalingAction.None);
        }

        var windowStart = now - settings.StabilizationWindow;
        var observedWholeWindow = history.Any(r => r.At <= windowStart);
        var highestInWindow = history.Where(r => r.At > windowStart).Select(r => r.Target).DefaultIfEmpty(target).Max();
        var stabilized = Math.Max(target, highestInWindow);
        return observedWholeWindow && stabilized < currentReplicas
            ? new ReplicaDecision(target, stabilized, ScalingAction.Scaled)
            : new ReplicaDecision(target, currentReplicas, ScalingAction.Held);
    }
}

/// <summary>The numbers the policy works with.</summary>
/// <param name="MinReplicas">The fewest replicas, whatever the score.</param>
/// <param name="MaxReplicas">The most replicas before the budget cap.</param>
/// <param name="PointsPerReplica">Points of total score per extra replica (810 in the original).</param>
/// <param name="StabilizationWindow">How long a lower target must hold before scaling down.</param>
/// <param name="CostPerReplicaYen">What one replica costs per period.</param>
/// <param name="MonthlyBudgetYen">When set, caps MaxReplicas at floor(budget / cost per replica).</param>
public sealed record ReplicaPolicySettings(
    int MinReplicas,
    int MaxReplicas,
    decimal PointsPerReplica,
    TimeSpan StabilizationWindow,
    long CostPerReplicaYen,
    long? MonthlyBudgetYen)
{
    /// <summary>MaxReplicas under the budget cap, never below MinReplicas (start-up validation refuses such a budget).</summary>
    public int EffectiveMaxReplicas =>
        MonthlyBudgetYen is { } budget
            ? Math.Max(MinReplicas, (int)Math.Min(MaxReplicas, budget / CostPerReplicaYen))
            : MaxReplicas;
}

/// <summary>A target an earlier run recommended.</summary>
public sealed record Recommendation(DateTimeOffset At, int Target);

/// <summary>The recommendation, the replica count to set, and what that means.</summary>
public sealed record ReplicaDecision(int Target, int DesiredReplicas, ScalingAction Action);

/// <summary>What a scaling run did (docs/design.md §1.4).</summary>
public enum ScalingAction
{
    /// <summary>Already at the target.</summary>
    None,

    /// <summary>Changed the replica count.</summary>
    Scaled,

    /// <summary>The target is lower, but the stabilization window keeps the count.</summary>
    Held,

    /// <summary>The cluster call failed; the run records the error.</summary>
    Failed,
}
