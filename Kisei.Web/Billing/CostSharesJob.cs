using Quartz;

namespace Kisei.Web.Billing;

/// <summary>Stores a snapshot of the cost shares; every <see cref="BillingOptions.CostSharesIntervalSeconds"/>, once across the cluster.</summary>
[DisallowConcurrentExecution]
public sealed class CostSharesJob(CostShares costShares) : IJob
{
    public static readonly JobKey Key = new("cost-shares", "billing");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var snapshot = await costShares.TakeSnapshotAsync(cancellationToken);
        context.Result = $"bill {snapshot.BillYen} yen, {snapshot.ObservedReplicas} replicas, {snapshot.Shares.Count} players";
    }
}
