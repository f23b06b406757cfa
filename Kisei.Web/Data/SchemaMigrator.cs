using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Kisei.Web.Data;

/// <summary>
/// Applies the hand-written scripts of the top-level <c>migrations/</c> folder (embedded in the
/// assembly) in name order, each in its own transaction, and records them in
/// <c>schema_migrations</c>. A PostgreSQL advisory lock makes replicas that start together apply
/// them once. An applied script whose text has since changed stops the migration: history is
/// append-only.
/// </summary>
public sealed class SchemaMigrator(string connectionString, ILogger<SchemaMigrator> logger)
{
    /// <summary>The advisory lock key: "Kisei" in ASCII.</summary>
    private const long LockKey = 0x4B69736569;

    private const string ResourcePrefix = "migrations/";

    /// <summary>The scripts this build carries, in the order they apply.</summary>
    public static IReadOnlyList<MigrationScript> Scripts { get; } = LoadScripts();

    /// <summary>Brings the database up to date and returns the ids of the scripts it applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({LockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(
                connection,
                null,
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    id text PRIMARY KEY,
                    sha256 text NOT NULL,
                    applied_at timestamp with time zone NOT NULL DEFAULT now())
                """,
                cancellationToken);

            var applied = await ReadAppliedAsync(connection, cancellationToken);
            var appliedNow = new List<string>();
            foreach (var script in Scripts)
            {
                if (applied.TryGetValue(script.Id, out var sha256))
                {
                    if (sha256 != script.Sha256)
                    {
                        throw new InvalidOperationException(
                            $"Migration {script.Id} was changed after it was applied. Add a new script instead of editing an applied one.");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (id, sha256) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = script.Id });
                    record.Parameters.Add(new NpgsqlParameter { Value = script.Sha256 });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Migration}", script.Id);
                appliedNow.Add(script.Id);
            }

            return appliedNow;
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    private static async Task<Dictionary<string, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT id, sha256 FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetString(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<MigrationScript> LoadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => Load(assembly, name))
            .ToList();
    }

    private static MigrationScript Load(Assembly assembly, string resourceName)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd();
        var id = Path.GetFileNameWithoutExtension(resourceName[ResourcePrefix.Length..]);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
        return new MigrationScript(id, sql, sha256);
    }
}

/// <summary>One script of the top-level migrations folder.</summary>
public sealed record MigrationScript(string Id, string Sql, string Sha256);
