namespace Kisei.Web.Data.Postgres;

/// <summary>
/// The database an entry point should use: a connection string, and the private server behind
/// it when one was started. Disposing stops that server; for an external server it does nothing.
/// </summary>
public sealed class PostgresLease : IAsyncDisposable
{
    private readonly IDisposable? ownedLoggerFactory;

    internal PostgresLease(string connectionString, PrivatePostgres? server, IDisposable? ownedLoggerFactory)
    {
        ConnectionString = connectionString;
        Server = server;
        this.ownedLoggerFactory = ownedLoggerFactory;
    }

    /// <summary>Connection string to the application's database.</summary>
    public string ConnectionString { get; }

    /// <summary>The private server, or null when the configuration names an external one.</summary>
    public PrivatePostgres? Server { get; }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Server is not null)
                await Server.StopAsync();
        }
        finally
        {
            ownedLoggerFactory?.Dispose();
        }
    }
}
