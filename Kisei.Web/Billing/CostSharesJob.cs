using Hangfire;
using Kisei.Web.Jobs;
using Kisei.Web.Metrics;
using Kisei.Web.Scaling.Kubernetes;

namespace Kisei.Web.Billing;

/// <summary>
/// Stores a snapshot of the cost shares and checks the budget; every
/// <see cref="BillingOptions.CostSharesIntervalSeconds"/>, once across the replicas. A failed tick is
/// not retried: the next one comes within the interval and reads the cluster afresh.
/// </summary>
public sealed class CostSharesJob(CostShares costShares, BudgetAlarm alarm, KiseiMetrics metrics)
{
    public const string Id = "cost-shares";

    [Queue(RecurringJobs.Queue)]
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ShareSnapshot snapshot;
        try
        {
            snapshot = await costShares.TakeSnapshotAsync(cancellationToken);
        }
        catch (KubernetesApiException)
        {
            metrics.KubernetesErrors.WithLabels(Id).Inc();
            throw;
        }

        await alarm.CheckAsync(snapshot, cancellationToken);
    }
}
