namespace Kisei.Web.Data;

/// <summary>Finds the connection string: the configured server, or the private one (DESIGN §7.1).</summary>
internal static class PostgresConnection
{
    public static Task<string> ResolveAsync(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString(DataExtensions.ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Task.FromResult(configured);
        }

        throw new InvalidOperationException("ConnectionStrings:Postgres is not set (the private PostgreSQL lands with the pg branch).");
    }

    /// <summary>A database for a command-line run; disposing it stops a private server it started.</summary>
    public static async Task<CommandDatabase> OpenForCommandAsync(WebApplicationBuilder builder) =>
        new(await ResolveAsync(builder));
}

/// <summary>The database a command works on.</summary>
internal sealed class CommandDatabase(string connectionString) : IAsyncDisposable
{
    public string ConnectionString { get; } = connectionString;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
