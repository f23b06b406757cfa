using System.Diagnostics;
using Kisei.Web.Accounts;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kisei.Web.Tests.Jobs;

/// <summary>No upload is lost: a host killed with SIGKILL in the middle of scoring leaves a scream that is scored after a restart.</summary>
public sealed class CrashRecoveryTests(PostgresServerFixture server)
{
    private const int InvisibilityTimeoutSeconds = 10;

    private static readonly Dictionary<string, string?> Settings = new() { ["Jobs:InvisibilityTimeoutSeconds"] = $"{InvisibilityTimeoutSeconds}" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scream_whose_host_was_killed_during_scoring_is_scored_once_after_a_restart_within_the_invisibility_timeout()
    {
        await using var database = await server.CreateDatabaseAsync("crash", Ct);
        await using (var migrate = new KiseiApp(database.ConnectionString))
        {
            migrate.StartServer(); // applies the migrations, then stops
        }

        var screamId = await AddPendingScreamAsync(database);

        // Hold the scream's row, so the child's score run stops at its claim: mid-run, with its job fetched.
        await using var holder = new NpgsqlConnection(database.ConnectionString);
        await holder.OpenAsync(Ct);
        await using var hold = await holder.BeginTransactionAsync(Ct);
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM screams WHERE id = $1 FOR UPDATE", holder, hold))
        {
            lockRow.Parameters.Add(new NpgsqlParameter { Value = screamId });
            await lockRow.ExecuteNonQueryAsync(Ct);
        }

        using (var child = ChildHost.Start(database, Settings))
        {
            await Wait.UntilAsync(() => ClaimIsWaitingAsync(database).GetAwaiter().GetResult(), "the child's score run waits on the scream", TimeSpan.FromSeconds(120));
            child.Kill();
        }

        // The dead host's claim may still land: its server session was mid-statement.
        await hold.RollbackAsync(Ct);

        var restarted = Stopwatch.StartNew();
        await using var app = new KiseiApp(database.ConnectionString, Settings);
        app.StartServer();
        await Wait.UntilAsync(() => StatusAsync(database, screamId).GetAwaiter().GetResult().Status == ScreamStatus.Scored, "the scream is scored", TimeSpan.FromSeconds(60));

        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(InvisibilityTimeoutSeconds + 15), $"scored {restarted.Elapsed.TotalSeconds:0.0} s after the restart");
        var scream = await StatusAsync(database, screamId);
        // One claim by the killed run (when it landed) and one by the run that scored it: nothing ran it a third time.
        Assert.InRange(scream.Attempts, 1, 2);
        Assert.NotNull(scream.Score);
    }

    private static async Task<Guid> AddPendingScreamAsync(TestDatabase database)
    {
        await using var db = database.CreateContext();
        var now = DateTimeOffset.UtcNow;
        var player = new Player { Login = "alice-crash", CreatedAt = now, LastSeenAt = now };
        db.Players.Add(player);
        await db.SaveChangesAsync(Ct);
        var scream = new Scream
        {
            Id = Guid.CreateVersion7(),
            PlayerId = player.Id,
            CreatedAt = now,
            Period = new DateOnly(now.Year, now.Month, 1),
            Status = ScreamStatus.Pending,
            ByteCount = 0,
            Audio = new ScreamAudio { Wav = TestClips.Scream() },
        };
        db.Screams.Add(scream);
        await db.SaveChangesAsync(Ct);
        return scream.Id;
    }

    private static async Task<bool> ClaimIsWaitingAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE%screams%'",
            connection);
        return (long)(await command.ExecuteScalarAsync(Ct))! > 0;
    }

    private static async Task<Scream> StatusAsync(TestDatabase database, Guid id)
    {
        await using var db = database.CreateContext();
        return await db.Screams.AsNoTracking().SingleAsync(s => s.Id == id, Ct);
    }
}
