using Kisei.Web.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Starts the private PostgreSQL server when no connection string is configured (docs/design.md §6):
/// for the web app before it is built, and for command-line entry points such as <c>kisei migrate</c>.
/// </summary>
public static class PrivatePostgresHosting
{
    /// <summary>The name under <c>ConnectionStrings</c> that points Kisei at an external server.</summary>
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// When <c>ConnectionStrings:Postgres</c> is empty, starts the private server now, so that its
    /// connection string is in the configuration before EF Core and Hangfire read it, supervises it
    /// (<see cref="PrivatePostgresSupervisor"/>, with a readiness and a liveness check), and stops it
    /// (fast shutdown) once every hosted service has stopped. Otherwise starts nothing.
    /// </summary>
    /// <returns>The connection string the app will use.</returns>
    /// <exception cref="PrivatePostgresException">The private server could not start.</exception>
    public static async Task<string> UsePrivatePostgresIfUnconfiguredAsync(
        this WebApplicationBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var lease = await StartIfUnconfiguredAsync(builder.Configuration, builder.Environment.ContentRootPath, null, cancellationToken);
        if (lease.Server is not null)
        {
            builder.Configuration[$"ConnectionStrings:{ConnectionStringName}"] = lease.ConnectionString;
            var services = builder.Services;
            services.AddSingleton(lease.Server);
            services.AddHostedService(_ => new PrivatePostgresShutdown(lease));
            services.AddSingleton(provider => new PrivatePostgresSupervisor(
                lease.Server, provider.GetService<TimeProvider>() ?? TimeProvider.System, provider.GetRequiredService<ILogger<PrivatePostgresSupervisor>>()));
            services.AddHostedService(provider => provider.GetRequiredService<PrivatePostgresSupervisor>());
            services.AddHealthChecks()
                .Add(new HealthCheckRegistration("private-postgres", provider => new PrivatePostgresHealthCheck(
                    provider.GetRequiredService<PrivatePostgresSupervisor>(), liveness: false), null, ["ready"]))
                .Add(new HealthCheckRegistration("private-postgres-recovery", provider => new PrivatePostgresHealthCheck(
                    provider.GetRequiredService<PrivatePostgresSupervisor>(), liveness: true), null, ["live"]));
        }
        return lease.ConnectionString;
    }

    /// <summary>
    /// For entry points without a host: the configured connection string, or a started private
    /// server. Dispose the result to stop that server.
    /// </summary>
    /// <param name="configuration">Read for <c>ConnectionStrings:Postgres</c>, the <c>Database</c> section and <c>Logging</c>.</param>
    /// <param name="contentRootPath">The folder that a relative <c>Database:DataDirectory</c> is under.</param>
    /// <param name="loggerFactory">Where the server logs; null for a console logger configured from <c>Logging</c>.</param>
    /// <param name="cancellationToken">Stops waiting for the server to start.</param>
    /// <exception cref="PrivatePostgresException">The private server could not start.</exception>
    /// <exception cref="StartupException">The configured connection string is not one.</exception>
    public static async Task<PostgresLease> StartIfUnconfiguredAsync(
        IConfiguration configuration, string contentRootPath, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            CheckConnectionString(configured);
            return new PostgresLease(configured, null, null);
        }

        var options = new PrivatePostgresOptions();
        configuration.GetSection(PrivatePostgresOptions.SectionName).Bind(options);
        // The host's logging is not built yet when the web app needs its database.
        var ownedFactory = loggerFactory is null
            ? LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddSimpleConsole())
            : null;
        try
        {
            var logger = (loggerFactory ?? ownedFactory!).CreateLogger<PrivatePostgres>();
            var server = await PrivatePostgres.StartAsync(options, contentRootPath, logger, cancellationToken);
            return new PostgresLease(server.ConnectionString, server, ownedFactory);
        }
        catch
        {
            ownedFactory?.Dispose();
            throw;
        }
    }

    // Npgsql would otherwise first parse it when a hosted service opens a connection.
    private static void CheckConnectionString(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException)
        {
            throw new StartupException(
                $"ConnectionStrings:{ConnectionStringName} is not a valid connection string: {exception.Message} " +
                "Write it in Npgsql's syntax (Host=db.example;Database=kisei;Username=kisei;Password=...), " +
                "or leave it empty for Kisei's private PostgreSQL.", exception);
        }
    }

    /// <summary>
    /// Stops the server in <see cref="IHostedLifecycleService.StoppedAsync"/>, which the host
    /// calls after every hosted service's StopAsync, so Hangfire and friends finish with the
    /// database first.
    /// </summary>
    private sealed class PrivatePostgresShutdown(PostgresLease lease) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StoppedAsync(CancellationToken cancellationToken) => await lease.DisposeAsync();
    }
}
