using System.Security.Cryptography;
using System.Text;
using Kisei.Web.Accounts;
using Kisei.Web.Data;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kisei.Web.Tests.Data;

/// <summary>
/// The EF Core migrations of <c>migrations/</c>: they build the model's schema, adopt a database the
/// earlier SQL scripts made (copies in TestData/LegacySchema) without losing a row, and hold every
/// change of the model.
/// </summary>
public sealed class MigrationTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_model_has_no_changes_that_no_migration_holds()
    {
        using var db = new KiseiDbContext(KiseiDbContext.OptionsFor("Host=localhost"));

        Assert.False(db.Database.HasPendingModelChanges(), "Add a migration: dotnet ef migrations add NAME --project Kisei.Web --output-dir ../migrations");
    }

    [Fact]
    public async Task An_empty_database_migrates_to_the_schema_EF_Core_creates_from_the_model()
    {
        await using var migrated = await server.CreateEmptyDatabaseAsync("migrated", Ct);
        await using var modelled = await server.CreateEmptyDatabaseAsync("modelled", Ct);

        var applied = await Migrator(migrated).MigrateAsync(Ct);
        await using (var db = modelled.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync(db.Database.GenerateCreateScript(), Ct);
        }

        await using (var db = migrated.CreateContext())
        {
            Assert.Equal(db.Database.GetMigrations(), applied);
        }

        var expected = await DescribeAsync(modelled.ConnectionString);
        Assert.Contains(expected, line => line.StartsWith("column screams.score numeric", StringComparison.Ordinal));
        Assert.Equal(string.Join('\n', expected), string.Join('\n', await DescribeAsync(migrated.ConnectionString)));
    }

    [Fact]
    public async Task A_database_made_by_the_old_SQL_scripts_migrates_and_keeps_every_row()
    {
        await using var legacy = await server.CreateEmptyDatabaseAsync("legacy", Ct);
        await using var fresh = await server.CreateEmptyDatabaseAsync("fresh", Ct);
        await ApplyLegacyScriptsAsync(legacy.ConnectionString, LegacySchema.Scripts);
        await ExecuteAsync(legacy.ConnectionString, LegacyRows);
        // Quartz made its own tables beside the scripts' ones; the move to Hangfire drops them, and
        // job_failures, which only Quartz's console read.
        await ExecuteAsync(legacy.ConnectionString, "CREATE TABLE qrtz_locks (sched_name text, lock_name text); INSERT INTO qrtz_locks VALUES ('kisei', 'TRIGGER_ACCESS');");
        // Later migrations may add columns; the rows keep every value of the columns they had.
        var columns = await ColumnsAsync(legacy.ConnectionString);
        Assert.True(columns.Remove("job_failures"));
        Assert.True(columns.Remove("qrtz_locks"));
        var before = await DumpAsync(legacy.ConnectionString, columns);

        var applied = await Migrator(legacy).MigrateAsync(Ct);
        await Migrator(fresh).MigrateAsync(Ct);

        // Every row of every table is still there, byte for byte.
        Assert.All(before, table => Assert.NotEmpty(table.Value));
        Assert.Equal(before, await DumpAsync(legacy.ConnectionString, columns));
        // The scripts' history became the first migration's; what followed it was applied.
        await using var db = legacy.CreateContext();
        var all = db.Database.GetMigrations().ToList();
        Assert.Equal(all.Skip(1), applied);
        Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync(Ct));
        Assert.Null(await ScalarAsync(legacy.ConnectionString, "SELECT to_regclass('schema_migrations')::text"));
        Assert.Null(await ScalarAsync(legacy.ConnectionString, "SELECT to_regclass('job_failures')::text"));
        Assert.Null(await ScalarAsync(legacy.ConnectionString, "SELECT to_regclass('qrtz_locks')::text"));
        // The schema is now exactly the one a fresh database gets.
        Assert.Equal(string.Join('\n', await DescribeAsync(fresh.ConnectionString)), string.Join('\n', await DescribeAsync(legacy.ConnectionString)));
        // EF Core reads the old rows, and identities continue after them.
        var player = await db.Players.SingleAsync(p => p.Login == "octocat", Ct);
        Assert.Equal(583231L, player.GitHubId);
        Assert.Equal(2, await db.Screams.CountAsync(s => s.PlayerId == player.Id, Ct));
        Assert.Equal("<key id=\"1\" />", (await db.DataProtectionKeys.SingleAsync(Ct)).Xml);
        db.Players.Add(new Player { Login = "newcomer", CreatedAt = DateTimeOffset.UtcNow, LastSeenAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(Ct);
    }

    [Fact]
    public async Task A_database_that_lacks_some_of_the_old_scripts_is_refused_untouched()
    {
        await using var database = await server.CreateEmptyDatabaseAsync("partial", Ct);
        await ApplyLegacyScriptsAsync(database.ConnectionString, LegacySchema.Scripts.Take(2));

        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(database).MigrateAsync(Ct));

        Assert.Contains("0003_job_failures", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(2L, await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM schema_migrations"));
        Assert.Null(await ScalarAsync(database.ConnectionString, "SELECT to_regclass('\"__EFMigrationsHistory\"')::text"));
    }

    [Fact]
    public async Task Migrating_twice_applies_nothing_the_second_time()
    {
        await using var database = await server.CreateEmptyDatabaseAsync("twice", Ct);

        var first = await Migrator(database).MigrateAsync(Ct);
        var second = await Migrator(database).MigrateAsync(Ct);

        Assert.NotEmpty(first);
        Assert.Empty(second);
    }

    [Fact]
    public async Task Replicas_migrating_at_once_apply_each_migration_once()
    {
        await using var database = await server.CreateEmptyDatabaseAsync("racing", Ct);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator(database).MigrateAsync(Ct)));

        await using var db = database.CreateContext();
        Assert.Equal(db.Database.GetMigrations().Count(), runs.Sum(applied => applied.Count));
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(Ct));
    }

    private static SchemaMigrator Migrator(TestDatabase database) => new(database.ConnectionString, NullLogger<SchemaMigrator>.Instance);

    /// <summary>What Kisei's hand-written migrator did: each script in a transaction, recorded in schema_migrations.</summary>
    private static async Task ApplyLegacyScriptsAsync(string connectionString, IEnumerable<string> ids)
    {
        await ExecuteAsync(connectionString, """
            CREATE TABLE schema_migrations (
                id text PRIMARY KEY,
                sha256 text NOT NULL,
                applied_at timestamp with time zone NOT NULL DEFAULT now())
            """);
        foreach (var id in ids)
        {
            var sql = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "LegacySchema", id + ".sql"), Ct);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(Ct);
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            await using (var script = new NpgsqlCommand(sql, connection, transaction))
                await script.ExecuteNonQueryAsync(Ct);
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (id, sha256) VALUES ($1, $2)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = id });
                record.Parameters.Add(new NpgsqlParameter { Value = sha256 });
                await record.ExecuteNonQueryAsync(Ct);
            }
            await transaction.CommitAsync(Ct);
        }
    }

    /// <summary>At least one row in every table the scripts made, written as the old app wrote them.</summary>
    private const string LegacyRows = """
        INSERT INTO players (github_id, login, name, avatar_url, email, created_at, last_seen_at) VALUES
            (583231, 'octocat', 'The Octocat', 'https://avatars.example/u/583231', 'octocat@example.com', '2026-11-01 09:00+09', '2026-11-20 21:30+09'),
            (NULL, 'dev-hanako', NULL, NULL, NULL, '2026-11-02 10:00+09', '2026-11-02 10:05+09');
        INSERT INTO screams (id, player_id, created_at, period, status, attempts, scoring_started_at, file_name, byte_count,
                             sample_rate_hz, channels, duration_seconds, mean_rms, loudness, speech_characters, speech_factor,
                             score, recognizer, transcript, no_speech_probability, average_log_probability, failure_reason,
                             scored_at, scoring_milliseconds, envelope, frame_rms) VALUES
            ('0193a1c0-0000-7000-8000-000000000001', 1, '2026-11-03 12:00+09', '2026-11-01', 'Scored', 1, '2026-11-03 12:00:01+09',
             'scream.wav', 96044, 48000, 1, 1.0, 0.25, 0.41595, 0, 100, 41.6, 'whisper', 'ぎゃあああ', 0.1, -0.4, NULL,
             '2026-11-03 12:00:02+09', 850, '{0.1,0.5,0.2}', '{0.25,0.3}'),
            ('0193a1c0-0000-7000-8000-000000000002', 1, '2026-11-04 12:00+09', '2026-11-01', 'Failed', 3, NULL,
             NULL, 12, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'not a WAV file',
             NULL, NULL, NULL, NULL),
            ('0193a1c0-0000-7000-8000-000000000003', 2, '2026-11-05 12:00+09', '2026-11-01', 'Pending', 0, NULL,
             NULL, 44, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        INSERT INTO scream_audio (scream_id, wav) VALUES
            ('0193a1c0-0000-7000-8000-000000000001', '\x52494646deadbeef'),
            ('0193a1c0-0000-7000-8000-000000000003', '\x52494646');
        INSERT INTO data_protection_keys (friendly_name, xml) VALUES ('key-1', '<key id="1" />');
        INSERT INTO share_snapshots (taken_at, period, bill_yen, cost_per_replica_yen, observed_replicas, is_simulated, total_score) VALUES
            ('2026-11-20 21:30+09', '2026-11-01', 20000, 10000, 2, true, 41.6);
        INSERT INTO player_shares (snapshot_id, player_id, standing, share_yen) VALUES (1, 1, 41.6, 0), (1, 2, 0, 20000);
        INSERT INTO scaling_runs (at, total_score, observed_replicas, replicas_before, target, replicas_set, action, error, is_simulated) VALUES
            ('2026-11-20 21:30:10+09', 41.6, 2, 2, 1, NULL, 'Held', NULL, true),
            ('2026-11-20 21:30:20+09', 41.6, NULL, NULL, 1, NULL, 'Failed', '403 Forbidden', false);
        INSERT INTO simulated_cluster_state (id, desired_replicas, observed_replicas, desired_changed_at) VALUES (1, 2, 2, '2026-11-20 21:00+09');
        INSERT INTO job_failures (scheduler_instance_id, fire_instance_id, job_group, job_name, trigger_group, trigger_name, fired_at,
                                  exception_type, message, detail) VALUES
            ('node-1', 'fire-1', 'kisei', 'scaling', 'kisei', 'scaling', '2026-11-20 21:30:20+09',
             'System.Net.Http.HttpRequestException', '403 Forbidden', 'at Kisei.Web.Scaling...');
        """;

    /// <summary>Every row of every table in the public schema, as text, tables and rows sorted.</summary>
    private static async Task<SortedDictionary<string, List<string>>> ColumnsAsync(string connectionString)
    {
        var tables = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var list = new NpgsqlCommand(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT IN ('schema_migrations', '__EFMigrationsHistory')
            ORDER BY table_name, ordinal_position
            """,
            connection);
        await using var reader = await list.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            var table = reader.GetString(0);
            if (!tables.TryGetValue(table, out var names))
                tables[table] = names = [];
            names.Add(reader.GetString(1));
        }

        return tables;
    }

    /// <summary>Every row of the given tables, as the text of a row of the given columns, in order.</summary>
    private static async Task<SortedDictionary<string, List<string>>> DumpAsync(string connectionString, SortedDictionary<string, List<string>> columns)
    {
        var tables = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        foreach (var (name, names) in columns)
        {
            var rows = new List<string>();
            var row = string.Join(", ", names.Select(column => $"t.\"{column}\""));
            await using var select = new NpgsqlCommand($"SELECT ROW({row})::text FROM \"{name}\" t ORDER BY 1", connection);
            await using var reader = await select.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
                rows.Add(reader.GetString(0));
            tables[name] = rows;
        }

        return tables;
    }

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
            // Migration bookkeeping is not part of the model; Hangfire keeps to a schema of its own.
            if (line.Contains("__EFMigrationsHistory", StringComparison.Ordinal))
                continue;
            lines.Add(line);
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(Ct);
        return value is DBNull ? null : value;
    }
}
