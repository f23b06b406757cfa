using Hangfire;
using Kisei.Web.Jobs;
using Kisei.Web.Metrics;

namespace Kisei.Web.Scaling;

/// <summary>
/// Scales the Deployment with the total score; every <see cref="ScalingOptions.IntervalSeconds"/>, once
/// across the replicas. A failed tick is not retried: the next one comes within the interval.
/// </summary>
public sealed class ScalingJob(Autoscaler autoscaler, KiseiMetrics metrics)
{
    public const string Id = "scaling";

    [Queue(RecurringJobs.Queue)]
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // The autoscaler records a failed cluster call as the run's action, with its error.
        var run = await autoscaler.RunAsync(cancellationToken);
        if (run.Action == ScalingAction.Failed)
        {
            metrics.KubernetesErrors.WithLabels(Id).Inc();
        }
    }
}
