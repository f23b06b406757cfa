// How database tests use this (DESIGN §7.1: one server per run, a fresh database per class):
//
//   A test class that needs a database takes TestDatabase as a class fixture. Its
//   ConnectionString points at a new, empty database that is dropped after the class:
//
//       public sealed class ScreamStoreTests(TestDatabase database) : IClassFixture<TestDatabase>
//
//   A test that needs more databases asks the server for them and disposes them:
//
//       public sealed class MigratorTests(PostgresServerFixture server)
//       ...
//       await using var database = await server.CreateDatabaseAsync("migrator", TestContext.Current.CancellationToken);
//
//   The server is Kisei's private PostgreSQL, started on first use with its data in a temporary
//   folder and stopped after the last test. When KISEI_TEST_POSTGRES holds a connection string
//   (with a role that may create databases), that server is used and nothing is started.

using Kisei.Web.Data.Postgres;
using Kisei.Web.Tests.Infrastructure;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>The PostgreSQL server shared by every test in the run; see the comment at the top of this file.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    /// <summary>Names an external server to test against instead of a private one.</summary>
    public const string ExternalServerVariable = "KISEI_TEST_POSTGRES";

    private readonly SemaphoreSlim startGate = new(1, 1);
    private string? maintenanceConnectionString;
    private TemporaryFolder? folder;

    /// <summary>The private server once started; null before, or when an external server is used.</summary>
    public PrivatePostgres? PrivateServer { get; private set; }

    public async ValueTask InitializeAsync() => await TemporaryFolder.RemoveAbandonedAsync();

    /// <summary>A connection string to the server's maintenance database, starting the server on first use.</summary>
    public async Task<string> GetMaintenanceConnectionStringAsync(CancellationToken cancellationToken = default)
    {
        if (maintenanceConnectionString is { } known)
            return known;
        await startGate.WaitAsync(cancellationToken);
        try
        {
            maintenanceConnectionString ??= await StartAsync(cancellationToken);
            return maintenanceConnectionString;
        }
        finally
        {
            startGate.Release();
        }
    }

    /// <summary>Creates an empty database with a unique name; disposing it drops it.</summary>
    /// <param name="label">Part of the name, to tell databases apart when debugging.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<TestDatabase> CreateDatabaseAsync(string? label = null, CancellationToken cancellationToken = default)
    {
        var database = new TestDatabase(this, label);
        await database.CreateAsync(cancellationToken);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (PrivateServer is not null)
                await PrivateServer.StopAsync();
        }
        finally
        {
            if (folder is not null)
                await folder.DisposeAsync();
            startGate.Dispose();
        }
    }

    private async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
            return new NpgsqlConnectionStringBuilder(external) { Pooling = false }.ConnectionString;

        folder = TemporaryFolder.Create("server");
        var options = new PrivatePostgresOptions { DataDirectory = folder.Combine("postgres"), DatabaseName = "kisei_tests" };
        // The data is thrown away after the run, so durability buys nothing.
        options.ServerSettings["fsync"] = "off";
        options.ServerSettings["synchronous_commit"] = "off";
        options.ServerSettings["full_page_writes"] = "off";
        options.ServerSettings["max_connections"] = "200";
        PrivateServer = await PrivatePostgres.StartAsync(options, folder.Path, null, cancellationToken);
        return new NpgsqlConnectionStringBuilder(PrivateServer.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
    }
}
