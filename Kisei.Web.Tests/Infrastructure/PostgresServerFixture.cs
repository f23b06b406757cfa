// How database tests use this (docs/design.md §5: one server per run, a fresh database per class):
//
//   A test class that needs a database takes TestDatabase as a class fixture. Its
//   ConnectionString points at a new database with Kisei's schema, dropped after the class:
//
//       public sealed class ScreamStoreTests(TestDatabase database) : IClassFixture<TestDatabase>
//
//   A test that needs more databases asks the server for them and disposes them:
//
//       public sealed class ScalingTests(PostgresServerFixture server)
//       ...
//       await using var database = await server.CreateDatabaseAsync("scaling", TestContext.Current.CancellationToken);
//
//   The schema comes from a template database that SchemaMigrator migrates once per run: copying
//   it is cheaper than migrating each database, and an app started on the copy finds nothing left
//   to apply. Tests of the migrations themselves take CreateEmptyDatabaseAsync.
//
//   The server is Kisei's private PostgreSQL, started on first use with its data in a temporary
//   folder and stopped after the last test. When KISEI_TEST_POSTGRES holds a connection string
//   (with a role that may create databases), that server is used and nothing is started.

using Kisei.Web.Data;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>The PostgreSQL server shared by every test in the run; see the comment at the top of this file.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    /// <summary>Names an external server to test against instead of a private one.</summary>
    public const string ExternalServerVariable = "KISEI_TEST_POSTGRES";

    private readonly SemaphoreSlim startGate = new(1, 1);
    private readonly SemaphoreSlim templateGate = new(1, 1);
    private string? maintenanceConnectionString;
    private TestDatabase? schemaTemplate;
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

    /// <summary>Creates a database with Kisei's schema and a unique name; disposing it drops it.</summary>
    /// <param name="label">Part of the name, to tell databases apart when debugging.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<TestDatabase> CreateDatabaseAsync(string? label = null, CancellationToken cancellationToken = default) =>
        CreateAsync(label, migrated: true, cancellationToken);

    /// <summary>Creates an empty database with a unique name; disposing it drops it.</summary>
    /// <param name="label">Part of the name, to tell databases apart when debugging.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<TestDatabase> CreateEmptyDatabaseAsync(string? label = null, CancellationToken cancellationToken = default) =>
        CreateAsync(label, migrated: false, cancellationToken);

    /// <summary>The name of the run's template database, migrated on first use.</summary>
    internal async Task<string> GetSchemaTemplateAsync(CancellationToken cancellationToken)
    {
        if (schemaTemplate is { } known)
            return known.Name;
        await templateGate.WaitAsync(cancellationToken);
        try
        {
            if (schemaTemplate is null)
            {
                var template = await CreateAsync("template", migrated: false, cancellationToken);
                await new SchemaMigrator(template.ConnectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync(cancellationToken);
                // A copy needs the template to itself: no idle pooled connection, and no new ones.
                using (var pooled = new NpgsqlConnection(template.ConnectionString))
                    NpgsqlConnection.ClearPool(pooled);
                await ExecuteAsync($"ALTER DATABASE \"{template.Name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", cancellationToken);
                schemaTemplate = template;
            }

            return schemaTemplate.Name;
        }
        finally
        {
            templateGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (schemaTemplate is not null)
            {
                await ExecuteAsync($"ALTER DATABASE \"{schemaTemplate.Name}\" WITH IS_TEMPLATE false", CancellationToken.None);
                await schemaTemplate.DisposeAsync();
            }

            if (PrivateServer is not null)
                await PrivateServer.StopAsync();
        }
        finally
        {
            if (folder is not null)
                await folder.DisposeAsync();
            startGate.Dispose();
            templateGate.Dispose();
        }
    }

    private async Task<TestDatabase> CreateAsync(string? label, bool migrated, CancellationToken cancellationToken)
    {
        var database = new TestDatabase(this, label, migrated);
        await database.CreateAsync(cancellationToken);
        return database;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(await GetMaintenanceConnectionStringAsync(cancellationToken));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
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
