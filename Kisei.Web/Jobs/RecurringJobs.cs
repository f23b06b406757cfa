using Hangfire;
using Kisei.Web.Billing;
using Kisei.Web.Scaling;
using Kisei.Web.Screams;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Jobs;

/// <summary>
/// Every recurring job, registered in one place at start from the validated options, and the first
/// recovery sweep. Each replica registers the same definitions; Hangfire keeps one copy and its
/// schedule, so a restart does not move a tick.
/// </summary>
/// <remarks>
/// The frequent ticks (cost shares, scaling, the recovery sweep) drop a tick they missed
/// (<see cref="MisfireHandlingMode.Ignorable"/>): each run reads the state afresh, so a late run would only
/// crowd the next tick, which is due within the interval. A replica killed while it held the scheduler's
/// lock thus costs at most one tick (<see cref="JobsOptions.DistributedLockTimeoutSeconds"/>), never a burst.
/// The daily retention catches up once after a downtime (<see cref="MisfireHandlingMode.Relaxed"/>).
/// </remarks>
internal sealed class RecurringJobs(
    IRecurringJobManager recurring,
    IBackgroundJobClient jobs,
    IOptions<BillingOptions> billing,
    IOptions<ScalingOptions> scaling,
    IOptions<ScreamOptions> screams,
    IOptions<RetentionOptions> retention,
    ILogger<RecurringJobs> logger) : BackgroundService
{
    /// <summary>
    /// The recurring jobs' queue. Hangfire.PostgreSql fetches from a worker's queues in the order of their names,
    /// not of <c>BackgroundJobServerOptions.Queues</c>; "ticks" sorts after "scoring", so a waiting score job goes first.
    /// </summary>
    public const string Queue = "ticks";

    /// <summary>The ids of the recurring jobs, in the order the console lists them.</summary>
    public static IReadOnlyList<string> Ids { get; } = [CostSharesJob.Id, ScalingJob.Id, RetentionJob.Id, RecoverPendingScreamsJob.Id];

    /// <summary>
    /// Registers until it succeeds. A replica killed while it held a recurring job's lock leaves that lock
    /// for <see cref="JobsOptions.DistributedLockTimeoutSeconds"/>; the next start must wait it out, not fail.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Register();
                return;
            }
#pragma warning disable CA1031 // A storage or lock fault is retried; the jobs must be registered eventually.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                if (stoppingToken.IsCancellationRequested)
                {
                    return; // the host is stopping, and its database with it: there is nothing to register for
                }

                // A retry is no failure: its reason in one line, the stack trace for whoever turns on Debug. A start
                // that fails meanwhile (a port in use) then still ends in its one line on stderr.
                logger.LogWarning("Could not register the recurring jobs yet ({Reason}); trying again in 5 s", exception.Message);
                logger.LogDebug(exception, "Registering the recurring jobs failed");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Register()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(billing.Value.TimeZone);
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc, MisfireHandling = MisfireHandlingMode.Ignorable };
        recurring.AddOrUpdate<CostSharesJob>(CostSharesJob.Id, job => job.RunAsync(CancellationToken.None), Every.Cron(billing.Value.CostSharesIntervalSeconds)!, utc);
        recurring.AddOrUpdate<ScalingJob>(ScalingJob.Id, job => job.RunAsync(CancellationToken.None), Every.Cron(scaling.Value.IntervalSeconds)!, utc);
        recurring.AddOrUpdate<RetentionJob>(
            RetentionJob.Id,
            job => job.RunAsync(CancellationToken.None),
            retention.Value.Cron,
            new RecurringJobOptions { TimeZone = zone, MisfireHandling = MisfireHandlingMode.Relaxed });
        recurring.AddOrUpdate<RecoverPendingScreamsJob>(
            RecoverPendingScreamsJob.Id, job => job.RunAsync(CancellationToken.None), Every.Cron(screams.Value.RecoverySweepSeconds)!, utc);

        // Screams whose run was lost while no replica ran are queued now, not at the first tick.
        jobs.Enqueue<RecoverPendingScreamsJob>(job => job.RunAsync(CancellationToken.None));
    }
}
