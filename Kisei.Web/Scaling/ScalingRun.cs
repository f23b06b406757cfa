namespace Kisei.Web.Scaling;

/// <summary>
/// One run of the scaling job (docs/design.md §1.4). The recent runs' targets are also the stabilization
/// window's history, which is why it lives in the database: every replica, and a restarted one, sees it.
/// </summary>
public class ScalingRun
{
    /// <summary>The longest error text kept; the Kubernetes client's messages fit well within it.</summary>
    public const int MaxErrorLength = 2000;

    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>S: the sum of this period's standings.</summary>
    public decimal TotalScore { get; set; }

    /// <summary>status.replicas as the cluster reported it; null when it could not be read.</summary>
    public int? ObservedReplicas { get; set; }

    /// <summary>spec.replicas before this run; null when it could not be read.</summary>
    public int? ReplicasBefore { get; set; }

    /// <summary>What the total score asks for: clamp(floor(S / PointsPerReplica) + 1, Min, Max).</summary>
    public int Target { get; set; }

    /// <summary>spec.replicas as this run set it; null when it set nothing.</summary>
    public int? ReplicasSet { get; set; }

    public ScalingAction Action { get; set; }

    /// <summary>Why the run failed, when it did.</summary>
    public string? Error { get; set; }

    /// <summary>True when the run drove the simulated cluster.</summary>
    public bool IsSimulated { get; set; }
}
