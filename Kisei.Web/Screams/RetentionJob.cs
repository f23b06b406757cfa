using Quartz;

namespace Kisei.Web.Screams;

/// <summary>The daily retention sweep, once across the cluster.</summary>
[DisallowConcurrentExecution]
public sealed class RetentionJob(DataRetention retention) : IJob
{
    public static readonly JobKey Key = new("retention", "screams");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Result = (await retention.SweepAsync(cancellationToken)).ToString();
    }
}
