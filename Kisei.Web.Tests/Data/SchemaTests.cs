using Kisei.Web.Data;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kisei.Web.Tests.Data;

/// <summary>The hand-written migrations and the EF Core model must describe the same schema.</summary>
public sealed class SchemaTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_migrated_schema_equals_the_one_EF_Core_creates_from_the_model()
    {
        await using var migrated = await server.CreateDatabaseAsync("migrated", Ct);
        await using var modelled = await server.CreateDatabaseAsync("modelled", Ct);
        await Migrator(migrated).MigrateAsync(Ct);
        await using (var db = modelled.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync(db.Database.GenerateCreateScript(), Ct);
        }

        var expected = await DescribeAsync(modelled.ConnectionString);
        var actual = await DescribeAsync(migrated.ConnectionString);

        Assert.NotEmpty(expected);
        Assert.Equal(string.Join('\n', expected), string.Join('\n', actual));
    }

    [Fact]
    public async Task Migrating_twice_applies_nothing_the_second_time()
    {
        await using var database = await server.CreateDatabaseAsync("twice", Ct);

        var first = await Migrator(database).MigrateAsync(Ct);
        var second = await Migrator(database).MigrateAsync(Ct);

        Assert.Equal(SchemaMigrator.Scripts.Select(s => s.Id), first);
        Assert.Empty(second);
    }

    [Fact]
    public async Task Replicas_migrating_at_once_apply_each_script_once()
    {
        await using var database = await server.CreateDatabaseAsync("racing", Ct);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator(database).MigrateAsync(Ct)));

        Assert.Equal(SchemaMigrator.Scripts.Count, runs.Sum(applied => applied.Count));
    }

    [Fact]
    public async Task A_script_changed_after_it_was_applied_stops_the_migration()
    {
        await using var database = await server.CreateDatabaseAsync("edited", Ct);
        await Migrator(database).MigrateAsync(Ct);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand("UPDATE schema_migrations SET sha256 = 'edited' WHERE id = '0001_initial'", connection);
            await command.ExecuteNonQueryAsync(Ct);
        }

        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(database).MigrateAsync(Ct));

        Assert.Contains("0001_initial", refusal.Message, StringComparison.Ordinal);
    }

    private static SchemaMigrator Migrator(TestDatabase database) => new(database.ConnectionString, NullLogger<SchemaMigrator>.Instance);


    /// <summary>Every column, constraint and index of Kisei's tables, one line each, sorted.</summary>
    private static async Task<List<string>> DescribeAsync(string connectionString)
    {
        const string Sql = """
            SELECT 'column ' || c.table_name || '.' || c.column_name || ' ' || c.data_type
                   || coalesce('(' || c.character_maximum_length || ')', '')
                   || coalesce(' precision ' || c.numeric_precision || ',' || c.numeric_scale, '')
                   || ' ' || c.udt_name
                   || CASE WHEN c.is_nullable = 'YES' THEN ' null' ELSE ' not null' END
                   || coalesce(' default ' || c.column_default, '')
                   || CASE WHEN c.is_identity = 'YES' THEN ' identity ' || c.identity_generation ELSE '' END
            FROM information_schema.columns c
            WHERE c.table_schema = 'public'
            UNION ALL
            SELECT 'constraint ' || rel.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace
            WHERE ns.nspname = 'public'
            UNION ALL
            SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            """;
        var lines = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(Sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            var line = reader.GetString(0);
            // The migrator's own bookkeeping is not part of the model; Hangfire keeps to its own schema.
            if (line.Contains("schema_migrations", StringComparison.Ordinal) || line.Contains("qrtz_", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            lines.Add(line);
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
