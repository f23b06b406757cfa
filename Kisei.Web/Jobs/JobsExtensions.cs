using Kisei.Web.Data.Postgres;
using Kisei.Web.Jobs.Dashboard;
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
        });
        builder.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        builder.Services.AddHealthChecks().AddQuartz(options => options.Tags.Add("ready"));
        builder.Services.AddJobDashboard();
        return builder;
    }
}
