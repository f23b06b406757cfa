using Kisei.Web.Data;
using Kisei.Web.Scaling;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Billing;

/// <summary>
/// Splits the running bill between this period's active players and stores the result as a
/// <see cref="ShareSnapshot"/> (docs/design.md §1.3): bill = CostPerReplicaYen × the replicas the cluster reports
/// running, split by <see cref="CostSplitter"/>.
/// </summary>
/// <remarks>
/// When the cluster cannot be read, no snapshot is stored and the <see cref="Scaling.Kubernetes.KubernetesApiException"/>
/// propagates, so the job's run is recorded as failed. Inventing a replica count (the target, the last one
/// seen) would put a bill in front of players that nobody measured; the pages keep showing the last real one,
/// with its time.
/// </remarks>
public sealed class CostShares(
    KiseiDbContext db,
    Standings standings,
    BillingPeriods periods,
    IClusterScaler cluster,
    TimeProvider time,
    IOptions<BillingOptions> options,
    ILogger<CostShares> logger)
{
    /// <summary>Takes and stores one snapshot of the shares.</summary>
    public async Task<ShareSnapshot> TakeSnapshotAsync(CancellationToken cancellationToken)
    {
        var scale = await cluster.GetScaleAsync(cancellationToken);
        var now = time.GetUtcNow();
        var period = periods.Of(now);
        var table = await standings.ForPeriodAsync(period, cancellationToken);

        var costPerReplicaYen = options.Value.CostPerReplicaYen;
        var billYen = checked(costPerReplicaYen * Math.Max(0, scale.ObservedReplicas));
        var shares = CostSplitter.Split(billYen, table.Select(s => new PlayerStanding(s.PlayerId, s.Total)).ToArray());
        var snapshot = new ShareSnapshot
        {
            TakenAt = now,
            Period = period,
            BillYen = billYen,
            CostPerReplicaYen = costPerReplicaYen,
            ObservedReplicas = scale.ObservedReplicas,
            IsSimulated = cluster.IsSimulated,
            TotalScore = table.Sum(s => s.Total),
            Shares = shares.Select(s => new PlayerShare { PlayerId = s.PlayerId, Standing = s.Standing, ShareYen = s.ShareYen }).ToList(),
        };
        db.ShareSnapshots.Add(snapshot);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation(
            "Cost shares for {Period:yyyy-MM}: bill {BillYen} yen for {Replicas} replicas{Simulated}, split between {Players} players",
            period,
            billYen,
            scale.ObservedReplicas,
            cluster.IsSimulated ? " (simulated)" : "",
            shares.Count);
        return snapshot;
    }
}
