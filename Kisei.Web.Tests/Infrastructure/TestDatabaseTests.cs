using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kisei.Web.Tests.Infrastructure;

public sealed class TestDatabaseTests(TestDatabase database, PostgresServerFixture server) : IClassFixture<TestDatabase>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_class_gets_a_fresh_database_of_its_own_with_every_migration_applied()
    {
        Assert.StartsWith("t_testdatabasetests_", database.Name, StringComparison.Ordinal);
        Assert.Equal(database.Name, await ScalarAsync(database.ConnectionString, "SELECT current_database()"));
        Assert.Equal(0L, await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM screams"));
        await using var db = database.CreateContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(Cancel));
    }

    [Fact]
    public async Task An_empty_database_has_no_tables()
    {
        await using var empty = await server.CreateEmptyDatabaseAsync("empty", Cancel);

        Assert.Equal(0L, await ScalarAsync(empty.ConnectionString,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"));
    }

    [Fact]
    public async Task Created_databases_are_separate_and_dropped_on_dispose()
    {
        var first = await server.CreateDatabaseAsync("first", Cancel);
        await using var second = await server.CreateDatabaseAsync("second", Cancel);
        await ScalarAsync(first.ConnectionString, "CREATE TABLE only_in_first (id int)");

        Assert.NotEqual(first.Name, second.Name);
        Assert.Equal(0L, await ScalarAsync(second.ConnectionString,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_first'"));

        // A connection a test left open must not keep the database alive.
        await using var leftOpen = new NpgsqlConnection(first.ConnectionString);
        await leftOpen.OpenAsync(Cancel);
        await first.DisposeAsync();

        var maintenance = await server.GetMaintenanceConnectionStringAsync(Cancel);
        Assert.Equal(0L, await ScalarAsync(maintenance, $"SELECT count(*) FROM pg_database WHERE datname = '{first.Name}'"));
    }

    [Fact]
    public async Task The_run_shares_one_server_that_is_private_unless_an_external_one_is_named()
    {
        var maintenance = await server.GetMaintenanceConnectionStringAsync(Cancel);

        Assert.Same(maintenance, await server.GetMaintenanceConnectionStringAsync(Cancel));
        var external = Environment.GetEnvironmentVariable(PostgresServerFixture.ExternalServerVariable);
        if (string.IsNullOrWhiteSpace(external))
        {
            Assert.NotNull(server.PrivateServer);
            Assert.Equal(server.PrivateServer.SocketDirectory, new NpgsqlConnectionStringBuilder(database.ConnectionString).Host);
        }
        else
        {
            Assert.Null(server.PrivateServer);
            Assert.Equal(new NpgsqlConnectionStringBuilder(external).Host, new NpgsqlConnectionStringBuilder(database.ConnectionString).Host);
        }
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(unpooled.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Cancel);
    }
}
