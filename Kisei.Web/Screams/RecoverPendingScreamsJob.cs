using Hangfire;
using Kisei.Web.Jobs;

namespace Kisei.Web.Screams;

/// <summary>The recovery sweep, at start and on a schedule; once at a time across the replicas.</summary>
public sealed class RecoverPendingScreamsJob(PendingScreamRecovery recovery)
{
    public const string Id = "recover-pending-screams";

    [Queue(RecurringJobs.Queue)]
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken) => await recovery.RecoverAsync(cancellationToken);
}
