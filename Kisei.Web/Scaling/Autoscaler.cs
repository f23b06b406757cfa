using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Scaling.Kubernetes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling;

/// <summary>
/// One scaling run (docs/design.md §1.4): the period's total score → <see cref="ReplicaPolicy"/> → the cluster's
/// scale subresource, recorded as a <see cref="ScalingRun"/> whatever happens.
/// </summary>
/// <remarks>
/// The stabilization window's history is the recent runs' targets in the database, so replicas taking
/// turns at the job, and a replica that just restarted, decide from the same history. After a gap in the
/// runs (the whole cluster down) the history is refilled before anything scales down, because the policy
/// only scales down when it has a run from the window's start.
/// A Kubernetes API failure (the client has already retried it) is recorded as <see cref="ScalingAction.Failed"/>
/// with its message; nothing falls back to the simulated cluster.
/// </remarks>
public sealed class Autoscaler(
    KiseiDbContext db,
    Standings standings,
    BillingPeriods periods,
    ReplicaPolicy policy,
    IClusterScaler cluster,
    TimeProvider time,
    IOptions<ScalingOptions> options,
    ILogger<Autoscaler> logger)
{
    /// <summary>Runs once and returns the stored run.</summary>
    public async Task<ScalingRun> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var total = await standings.TotalAsync(periods.Of(now), cancellationToken);
        var run = new ScalingRun
        {
            At = now,
            TotalScore = total,
            Target = policy.Recommend(total),
            IsSimulated = cluster.IsSimulated,
        };

        try
        {
            var scale = await cluster.GetScaleAsync(cancellationToken);
            run.ObservedReplicas = scale.ObservedReplicas;
            run.ReplicasBefore = scale.DesiredReplicas;

            var decision = policy.Decide(total, scale.DesiredReplicas, await HistoryAsync(now, cancellationToken), now);
            run.Target = decision.Target;
            run.Action = decision.Action;
            if (decision.Action == ScalingAction.Scaled)
            {
                var scaled = await cluster.SetReplicasAsync(decision.DesiredReplicas, cancellationToken);
                run.ReplicasSet = scaled.DesiredReplicas;
                run.ObservedReplicas = scaled.ObservedReplicas;
                logger.LogInformation(
                    "Scaled {Namespace}/{Deployment} from {Before} to {After} replicas (total score {TotalScore}, target {Target})",
                    scaled.Namespace,
                    scaled.Deployment,
                    scale.DesiredReplicas,
                    scaled.DesiredReplicas,
                    total,
                    decision.Target);
            }
        }
        catch (KubernetesApiException exception)
        {
            run.Action = ScalingAction.Failed;
            run.Error = exception.Message.Length <= ScalingRun.MaxErrorLength ? exception.Message : exception.Message[..ScalingRun.MaxErrorLength];
            logger.LogWarning("Scaling failed ({Kind}, {Attempts} attempts): {Error}", exception.Kind, exception.Attempts, exception.Message);
        }

        db.ScalingRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run;
    }

    /// <summary>
    /// The targets recommended within the window, plus a little before it so the policy can tell that the
    /// window was watched from its start; a slack of a few intervals absorbs a late or missed run.
    /// </summary>
    private async Task<List<Recommendation>> HistoryAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var slack = TimeSpan.FromTicks(Math.Max(settings.Interval.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));
        var since = now - settings.StabilizationWindow - slack;
        return await db.ScalingRuns.AsNoTracking()
            .Where(r => r.At >= since && r.At <= now)
            .Select(r => new Recommendation(r.At, r.Target))
            .ToListAsync(cancellationToken);
    }
}
