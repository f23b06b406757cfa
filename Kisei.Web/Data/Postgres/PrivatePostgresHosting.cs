using Microsoft.Extensions.Logging;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Starts the private PostgreSQL server when no connection string is configured (DESIGN §7):
/// for the web app before it is built, and for command-line entry points such as <c>kisei migrate</c>.
/// </summary>
public static class PrivatePostgresHosting
{
    /// <summary>The name under <c>ConnectionStrings</c> that points Kisei at an external server.</summary>
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// When <c>ConnectionStrings:Postgres</c> is empty, starts the private server now, so that its
    /// connection string is in the configuration before EF Core and Quartz read it, and stops it
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
            builder.Services.AddSingleton(lease.Server);
            builder.Services.AddHostedService(_ => new PrivatePostgresShutdown(lease));
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
    public static async Task<PostgresLease> StartIfUnconfiguredAsync(
        IConfiguration configuration, string contentRootPath, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
            return new PostgresLease(configured, null, null);

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

    /// <summary>
    /// Stops the server in <see cref="IHostedLifecycleService.StoppedAsync"/>, which the host
    /// calls after every hosted service's StopAsync, so Quartz and friends finish with the
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
