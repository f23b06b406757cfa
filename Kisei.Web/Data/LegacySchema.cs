using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Kisei.Web.Data;

/// <summary>
/// Databases made before the schema moved to EF Core migrations: Kisei applied its hand-written
/// scripts <c>migrations/0001..0003_*.sql</c> and recorded them in a <c>schema_migrations</c> table.
/// The first migration creates the same tables, so such a database is adopted by recording that
/// migration as applied instead of running it; every row stays where it is.
/// </summary>
internal static class LegacySchema
{
    /// <summary>The scripts the first migration stands for, all of which an adopted database must have applied.</summary>
    public static IReadOnlyList<string> Scripts { get; } = ["0001_initial", "0002_billing_and_scaling", "0003_job_failures"];

    /// <summary>The migration whose tables the scripts made.</summary>
    public static string BaselineMigration(KiseiDbContext db) => db.Database.GetMigrations().First();

    /// <summary>
    /// Records the baseline in <c>__EFMigrationsHistory</c> and drops <c>schema_migrations</c>, in
    /// one transaction, when the database has the scripts' history and not yet the baseline.
    /// Returns whether it did. Run it under the migration lock.
    /// </summary>
    public static async Task<bool> AdoptAsync(KiseiDbContext db, CancellationToken cancellationToken)
    {
        var database = db.Database;
        var baseline = BaselineMigration(db);
        var hasScriptHistory = await database
            .SqlQueryRaw<bool>("""SELECT to_regclass('schema_migrations') IS NOT NULL AS "Value" """)
            .SingleAsync(cancellationToken);
        if (!hasScriptHistory || (await database.GetAppliedMigrationsAsync(cancellationToken)).Contains(baseline))
        {
            return false;
        }

        var applied = await database.SqlQueryRaw<string>("""SELECT id AS "Value" FROM schema_migrations""").ToListAsync(cancellationToken);
        var missing = Scripts.Except(applied, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"This database was made by Kisei's earlier SQL scripts but lacks {string.Join(", ", missing)}. " +
                "Migrate it with the Kisei release that shipped them first, then start this one.");
        }

        var history = db.GetService<IHistoryRepository>();
        await using var transaction = await database.BeginTransactionAsync(cancellationToken);
        await database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancellationToken);
        await database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(baseline, ProductInfo.GetVersion())), cancellationToken);
        await database.ExecuteSqlRawAsync("DROP TABLE schema_migrations", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
