using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Kisei.Web.Accounts;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Jobs.Dashboard;
using Kisei.Web.Screams;

namespace Kisei.Web.Jobs;

/// <summary>
/// Hangfire on the app's own PostgreSQL, in a schema of its own that Hangfire prepares at start
/// (docs/design.md §3). Every replica runs a server; Hangfire's distributed locks run each recurring tick once
/// between them, and any replica picks up a score job.
/// </summary>
public static class JobsExtensions
{
    /// <summary>Where the operators' console lives.</summary>
    public const string DashboardPath = "/hangfire";

    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var connectionString = builder.Configuration.GetConnectionString(PrivatePostgresHosting.ConnectionStringName)!;
        var settings = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();

        // This app's storage and job activator, registered before AddHangfire so that its clients, server and
        // dashboard use them: Hangfire's own registrations answer with the process-wide JobStorage.Current and
        // JobActivator.Current, which the last app configured in a process (several test hosts) sets for all.
        services.AddSingleton<JobActivator>(provider => new AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<JobStorage>(_ =>
        {
            var storage = new PostgreSqlStorageOptions
            {
                SchemaName = settings.Schema,
                PrepareSchemaIfNecessary = true,
                // Hangfire's default is a fixed 30 min: a worker killed mid-job strands its job for half an
                // hour, and a job running longer than the timeout is handed to a second worker while the
                // first still runs. Sliding, the running worker keeps its job's fetch fresh, so a long
                // scoring run is never picked up twice, and a killed worker's job is fetched again after
                // this timeout (about a minute).
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = settings.InvisibilityTimeout,
                // Hangfire.PostgreSql wakes waiting workers with LISTEN/NOTIFY when a job is enqueued, so an
                // upload's score job starts at once instead of after the next poll (15 s by default); the
                // poll remains as a fallback for a lost notification.
                EnableLongPolling = settings.LongPolling,
                QueuePollInterval = settings.QueuePollInterval,
                // A lock is a row stamped when taken; nothing renews it, and another replica may take it only
                // once it is this old, holder alive or not. A replica killed while it holds one (the recurring
                // scheduler's, taken every second for milliseconds, or a tick's [DisableConcurrentExecution])
                // stops the others' scheduling this long: Hangfire.PostgreSql's 10 min would cost sixty scaling
                // ticks. Below the scaling interval, a killed replica costs at most one tick. The scheduler and
                // the ticks let go within a second; a tick stuck longer (a Kubernetes API timing out) may be
                // overlapped by the next one, which reads the state afresh.
                DistributedLockTimeout = settings.DistributedLockTimeout,
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storage), storage);
        });
        services.AddSingleton<JobPauses>();
        services.AddSingleton<JobServerName>();
        services.AddHangfire((provider, configuration) => configuration
            .UseLogProvider(new JobsLogProvider(provider.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(provider.GetRequiredService<JobStorage>()));
        JobPauses.RegisterFilter();
        services.AddHangfireServer((provider, server) =>
        {
            server.ServerName = provider.GetRequiredService<JobServerName>().Name;
            server.WorkerCount = settings.WorkerCount;
            // An upload's score job goes before a waiting recurring tick (by the queues' names); "default" takes
            // whatever else is queued.
            server.Queues = [ScoreScreamJob.Queue, RecurringJobs.Queue, "default"];
            // Delayed jobs (retries) and recurring jobs are looked for this often; Hangfire's 15 s default
            // would run a 10 s schedule every 15 s.
            server.SchedulePollingInterval = settings.SchedulePollingInterval;
            // A replica that stops heartbeating leaves the dashboard's server list within a minute, not five.
            server.HeartbeatInterval = TimeSpan.FromSeconds(Math.Max(1, settings.ServerTimeoutSeconds / 6));
            server.ServerTimeout = settings.ServerTimeout;
            server.ServerCheckInterval = TimeSpan.FromSeconds(Math.Max(1, settings.ServerTimeoutSeconds / 2));
        });
        services.AddHostedService<RecurringJobs>();
        services.AddHealthChecks().AddCheck<JobsHealthCheck>("jobs", tags: ["ready"]);
        services.AddJobsDashboard();
        services.AddScoped<Pages.Jobs.Decisions>();
        return builder;
    }

    /// <summary>The dashboard at <see cref="DashboardPath"/>, for admins only; <c>/jobs</c>, the old console, leads there.</summary>
    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<DashboardOptions>();
        // The endpoint's policy answers first, as for every admin page: anonymous visitors are sent to sign in,
        // players get 403. The dashboard's own filter asks the same policy again.
        endpoints.MapHangfireDashboard(DashboardPath, options, endpoints.ServiceProvider.GetRequiredService<JobStorage>()).RequireAuthorization(PlayerClaims.AdminRole);
        endpoints.MapGet("/jobs", () => Results.Redirect(DashboardPath, permanent: true));
        return endpoints;
    }
}
