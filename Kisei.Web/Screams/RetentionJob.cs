using Hangfire;
using Kisei.Web.Jobs;

namespace Kisei.Web.Screams;

/// <summary>The daily retention sweep, once across the replicas.</summary>
public sealed class RetentionJob(DataRetention retention)
{
    public const string Id = "retention";

    [Queue(RecurringJobs.Queue)]
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken) => await retention.SweepAsync(cancellationToken);
}
