using Quartz;

namespace Kisei.Web.Scaling;

/// <summary>Scales the Deployment with the total score; every <see cref="ScalingOptions.IntervalSeconds"/>, once across the cluster.</summary>
[DisallowConcurrentExecution]
public sealed class ScalingJob(Autoscaler autoscaler) : IJob
{
    public static readonly JobKey Key = new("scaling", "scaling");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = await autoscaler.RunAsync(cancellationToken);
        context.Result = run.Error is null
            ? $"{run.Action.ToString().ToLowerInvariant()}: target {run.Target}, replicas {run.ReplicasBefore} → {run.ReplicasSet ?? run.ReplicasBefore}"
            : $"failed: {run.Error}";
    }
}
