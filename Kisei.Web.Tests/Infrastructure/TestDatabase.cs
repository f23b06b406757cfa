using System.Text;
using Kisei.Web.Data;
using Npgsql;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>
/// A new database on the run's server (<see cref="PostgresServerFixture"/>), dropped on dispose:
/// with Kisei's schema (a copy of the run's migrated template), or empty. Use it as a class fixture
/// (with the schema), or get one from <see cref="PostgresServerFixture.CreateDatabaseAsync"/> or
/// <see cref="PostgresServerFixture.CreateEmptyDatabaseAsync"/>.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    private readonly PostgresServerFixture server;
    private readonly string? label;
    private readonly bool migrated;
    private string? maintenanceConnectionString;

    /// <summary>For xunit, which makes one per test class.</summary>
    public TestDatabase(PostgresServerFixture server)
        : this(server, null, migrated: true)
    {
    }

    internal TestDatabase(PostgresServerFixture server, string? label, bool migrated)
    {
        this.server = server;
        this.label = label;
        this.migrated = migrated;
    }

    /// <summary>The database's name, unique to this run.</summary>
    public string Name { get; private set; } = "";

    /// <summary>Connection string to this database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>An EF Core context on this database, for tests that read or write rows directly.</summary>
    public KiseiDbContext CreateContext() => new(KiseiDbContext.OptionsFor(ConnectionString));

    public async ValueTask InitializeAsync() => await CreateAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (maintenanceConnectionString is null)
            return;
        // Pooled connections would keep the database busy; FORCE ends any a test left open.
        foreach (var connectionString in new[] { ConnectionString, KiseiDbContext.Tuned(ConnectionString) })
        {
            using var pooled = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(pooled);
        }
        await using var connection = new NpgsqlConnection(maintenanceConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
        maintenanceConnectionString = null;
    }

    internal async Task CreateAsync(CancellationToken cancellationToken)
    {
        var maintenance = await server.GetMaintenanceConnectionStringAsync(cancellationToken);
        var template = migrated ? await server.GetSchemaTemplateAsync(cancellationToken) : "template1";
        Name = UniqueName(label ?? TestContext.Current.TestClass?.TestClassSimpleName ?? "db");
        await using var connection = new NpgsqlConnection(maintenance);
        await connection.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\" TEMPLATE \"{template}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        maintenanceConnectionString = maintenance;
        ConnectionString = new NpgsqlConnectionStringBuilder(maintenance)
        {
            Database = Name,
            Pooling = true,
            ApplicationName = "Kisei.Web.Tests",
        }.ConnectionString;
    }

    // Lower-case letters, digits and underscores, within PostgreSQL's 63-byte limit.
    private static string UniqueName(string hint)
    {
        var name = new StringBuilder("t_");
        foreach (var character in hint.ToLowerInvariant())
        {
            if (name.Length >= 40)
                break;
            name.Append(character is >= 'a' and <= 'z' or >= '0' and <= '9' ? character : '_');
        }
        return name.Append('_').Append(Guid.NewGuid().ToString("N")[..12]).ToString();
    }
}
