using Kisei.Web.Data.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kisei.Web.Data;

/// <summary>Settings for Kisei's own use of the database. Section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply the EF Core migrations of <c>migrations/</c> at start (under an advisory lock).</summary>
    public bool MigrateOnStart { get; set; } = true;
}

/// <summary>EF Core on PostgreSQL: the configured server, or Kisei's private one (docs/design.md §6).</summary>
public static class DataExtensions
{
    public static async Task<WebApplicationBuilder> AddDataAsync(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = await builder.UsePrivatePostgresIfUnconfiguredAsync();

        var services = builder.Services;
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddPooledDbContextFactory<KiseiDbContext>(options => KiseiDbContext.Configure(options, KiseiDbContext.Tuned(connectionString)));
        services.AddScoped(provider => provider.GetRequiredService<IDbContextFactory<KiseiDbContext>>().CreateDbContext());
        // What pages show every player alike, read once a second per replica (StandingsBoard, MoneyHeaderReadings).
        services.AddHybridCache();
        services.AddSingleton(provider => new SchemaMigrator(connectionString, provider.GetRequiredService<ILogger<SchemaMigrator>>()));
        services.AddHostedService<SchemaMigrationService>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownDeadline.ShutdownTimeout);
        services.AddHostedService<ShutdownDeadline>();
        return builder;
    }
}

/// <summary>Applies the migrations before anything else starts: hosted services start in order.</summary>
internal sealed class SchemaMigrationService(SchemaMigrator migrator, IOptions<DatabaseOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
        {
            await migrator.MigrateAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Ready when a query round-trips.</summary>
internal sealed class DatabaseHealthCheck(IDbContextFactory<KiseiDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // A query, not just an open: a pooled connection to a server that died still opens.
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", exception);
        }
    }
}
