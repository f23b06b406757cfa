using Kisei.Web.Billing;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Jobs.Dashboard;
using Kisei.Web.Scaling;
using Kisei.Web.Screams;
using Quartz;

namespace Kisei.Web.Jobs;

/// <summary>
/// Quartz.NET on the app's own PostgreSQL database: a persistent, clustered store whose schema
/// Quartz provisions, with execution history. Every job Kisei runs is registered here.
/// </summary>
public static class JobsExtensions
{
    /// <summary>The scheduler's name; every replica shares it, which is what makes them one cluster.</summary>
    public const string SchedulerName = "kisei";

    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(PrivatePostgresHosting.ConnectionStringName)!;
        var screams = builder.Configuration.GetSection(ScreamOptions.Section).Get<ScreamOptions>() ?? new ScreamOptions();
        var billing = builder.Configuration.GetSection(BillingOptions.Section).Get<BillingOptions>() ?? new BillingOptions();
        var scaling = builder.Configuration.GetSection(ScalingOptions.Section).Get<ScalingOptions>() ?? new ScalingOptions();
        var retention = builder.Configuration.GetSection(RetentionOptions.Section).Get<RetentionOptions>() ?? new RetentionOptions();

        builder.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = SchedulerName;
                scheduler.GenerateInstanceId = true;
            });
            quartz.UseDefaultThreadPool(4);
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.UseSystemTextJsonSerializer();
                store.UseClustering(clustering =>
                {
                    clustering.CheckinInterval = TimeSpan.FromSeconds(5);
                    clustering.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                });
                store.ProvisionSchema();
                store.UseExecutionHistory();
            });
            quartz.AddJobListener<JobFailureRecorder>();

            // Scoring: one durable job, one one-shot trigger per scream (see ScoreDispatcher).
            quartz.AddJob<ScoreScreamJob>(job => job
                .WithIdentity(ScoreDispatcher.JobKey)
                .WithDescription("Scores one uploaded scream")
                .StoreDurably()
                .RequestRecovery());

            var recoverKey = new JobKey("recover-pending-screams", "screams");
            quartz.ScheduleJob<RecoverPendingScreamsJob>(
                trigger => trigger
                    .WithIdentity("recover-pending-screams", "screams")
                    .StartAt(DateTimeOffset.UtcNow.AddSeconds(screams.RecoverySweepSeconds)) // RunAtStartup does the first sweep
                    .WithSimpleSchedule(TimeSpan.FromSeconds(screams.RecoverySweepSeconds)),
                job => job
                    .WithIdentity(recoverKey)
                    .WithDescription("Queues screams whose score run was lost"));
            quartz.RunAtStartup(recoverKey);

            // Money and machines (DESIGN §2). A missed fire is skipped, not caught up: a burst of snapshots
            // or scaling runs after downtime would record nothing new. Bad intervals are reported by the
            // options' validation at start; the floor only keeps Quartz from refusing them first.
            quartz.ScheduleJob<CostSharesJob>(
                trigger => trigger
                    .WithIdentity("cost-shares", "billing")
                    .StartNow()
                    .WithSimpleSchedule(schedule => schedule
                        .WithInterval(TimeSpan.FromSeconds(Math.Max(1, billing.CostSharesIntervalSeconds)))
                        .RepeatForever()
                        .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
                job => job
                    .WithIdentity(CostSharesJob.Key)
                    .WithDescription("Splits the bill between the active players and stores a snapshot"));
            quartz.ScheduleJob<ScalingJob>(
                trigger => trigger
                    .WithIdentity("scaling", "scaling")
                    .StartNow()
                    .WithSimpleSchedule(schedule => schedule
                        .WithInterval(TimeSpan.FromSeconds(Math.Max(1, scaling.IntervalSeconds)))
                        .RepeatForever()
                        .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
                job => job
                    .WithIdentity(ScalingJob.Key)
                    .WithDescription("Scales the Deployment with the total score"));
            if (CronExpression.TryParse(retention.Cron, out var retentionCron)
                && TimeZoneInfo.TryFindSystemTimeZoneById(billing.TimeZone, out var zone))
            {
                quartz.ScheduleJob<RetentionJob>(
                    trigger => trigger
                        .WithIdentity("retention", "screams")
                        .WithCronSchedule(retentionCron, cron => cron.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)),
                    job => job
                        .WithIdentity(RetentionJob.Key)
                        .WithDescription("Deletes old audio, scaling runs and cost-share snapshots"));
            }
        });

        // A replica that starts (or restarts) replaces the recurring triggers with its own copies; they keep
        // the stored fire history, so the cluster's schedule does not restart with every replica.
        builder.Services.Configure<QuartzOptions>(options => options.Scheduling.ScheduleTriggerRelativeToReplacedTrigger = true);
        builder.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        builder.Services.AddHealthChecks().AddQuartz(options => options.Tags.Add("ready"));
        builder.Services.AddJobDashboard();
        return builder;
    }
}
