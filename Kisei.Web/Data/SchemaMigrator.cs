using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kisei.Web.Data;

/// <summary>
/// Brings a database up to date with the EF Core migrations of the top-level <c>migrations/</c>
/// folder, after adopting one made by Kisei's earlier SQL scripts (<see cref="LegacySchema"/>).
/// A PostgreSQL advisory lock makes replicas that start together migrate once: the others wait,
/// then find nothing left to apply.
/// </summary>
public sealed class SchemaMigrator(string connectionString, ILogger<SchemaMigrator> logger)
{
    /// <summary>The advisory lock key: "Kisei" in ASCII.</summary>
    private const long LockKey = 0x4B69736569;

    /// <summary>Applies what is pending and returns the ids of the migrations it applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        // A session lock on a connection of its own; returning it to the pool resets the session,
        // which releases the lock even if the unlock below never runs.
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await ExecuteAsync(lockConnection, $"SELECT pg_advisory_lock({LockKey})", cancellationToken);
        try
        {
            await using var db = new KiseiDbContext(KiseiDbContext.OptionsFor(connectionString));
            if (await LegacySchema.AdoptAsync(db, cancellationToken))
            {
                logger.LogInformation("Adopted the schema made by Kisei's SQL scripts as migration {Migration}", LegacySchema.BaselineMigration(db));
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            foreach (var migration in pending)
            {
                logger.LogInformation("Applied migration {Migration}", migration);
            }

            return pending;
        }
        finally
        {
            await ExecuteAsync(lockConnection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
