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
/// Misfires are <see cref="MisfireHandlingMode.Relaxed"/>: when every replica was down over several
/// ticks, one run catches up and the schedule goes on, with no burst. One replica dying costs nothing:
/// the others' schedulers keep firing.
/// </remarks>
internal sealed class RecurringJobs(
    IRecurringJobManager recurring,
    IBackgroundJobClient jobs,
    IOptions<BillingOptions> billing,
    IOptions<ScalingOptions> scaling,
    IOptions<ScreamOptions> screams,
    IOptions<RetentionOptions> retention) : IHostedService
{
    /// <summary>The ids of the recurring jobs, in the order the console lists them.</summary>
    public static IReadOnlyList<string> Ids { get; } = [CostSharesJob.Id, ScalingJob.Id, RetentionJob.Id, RecoverPendingScreamsJob.Id];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(billing.Value.TimeZone);
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc, MisfireHandling = MisfireHandlingMode.Relaxed };
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
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
