using Quartz;

namespace Kisei.Web.Screams;

/// <summary>The recovery sweep, on a schedule.</summary>
[DisallowConcurrentExecution]
public sealed class RecoverPendingScreamsJob(PendingScreamRecovery recovery) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Result = await recovery.RecoverAsync(cancellationToken);
    }
}
