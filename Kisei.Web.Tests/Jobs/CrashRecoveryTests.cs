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

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Jobs:InvisibilityTimeoutSeconds"] = $"{InvisibilityTimeoutSeconds}",
        // A sweep soon after the start's: it queues a second job for the scream, whose first claim is not yet visible.
        ["Screams:RecoverySweepSeconds"] = "5",
    };

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

        // Hold the scream's row, so the child's score runs stop at their claims: mid-run, with their jobs fetched.
        await using var hold = await HoldAsync(database, screamId);
        using (var child = ChildHost.Start(database, Settings))
        {
            // Two jobs for one scream (the start's sweep and the next), both fetched, both waiting to claim it.
            await Wait.UntilAsync(() => WaitingClaimsAsync(database).GetAwaiter().GetResult() >= 2, "both of the child's score runs wait on the scream", TimeSpan.FromSeconds(120));
            child.Kill();
        }

        // The dead host's first claim may still land: its server sessions were mid-statement. The second then
        // finds the scream claimed.
        await hold.DisposeAsync();
        await Wait.UntilAsync(() => WaitingClaimsAsync(database).GetAwaiter().GetResult() == 0, "the dead host's claims are through", TimeSpan.FromSeconds(10));

        // Both jobs come back after the invisibility timeout. Held again, the row keeps a run that claims it waiting
        // until both have come: they would claim it at once, or one would and the other leave it.
        await using var holdAgain = await HoldAsync(database, screamId);
        var restarted = Stopwatch.StartNew();
        await using var app = new KiseiApp(database.ConnectionString, Settings);
        app.StartServer();
        await Wait.UntilAsync(
            () => WaitingClaimsAsync(database).GetAwaiter().GetResult() + SucceededScoreJobsAsync(database).GetAwaiter().GetResult() >= 2,
            "both jobs, delivered again, wait on the scream or have left it",
            TimeSpan.FromSeconds(60));
        await holdAgain.DisposeAsync();
        await Wait.UntilAsync(() => StatusAsync(database, screamId).GetAwaiter().GetResult().Status == ScreamStatus.Scored, "the scream is scored", TimeSpan.FromSeconds(30));

        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(InvisibilityTimeoutSeconds + 15), $"scored {restarted.Elapsed.TotalSeconds:0.0} s after the restart");
        var scream = await StatusAsync(database, screamId);
        // One claim by the killed run (when it landed) and one by the run that scored it. Only the job whose claim
        // is on the scream took it over; the other left it.
        Assert.InRange(scream.Attempts, 1, 2);
        Assert.NotNull(scream.Score);
    }

    /// <summary>Locks the scream's row until the returned connection is disposed: unpooled, it closes its session, and the transaction rolls back.</summary>
    private static async Task<NpgsqlConnection> HoldAsync(TestDatabase database, Guid screamId)
    {
        var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
        await holder.OpenAsync(Ct);
        await using (var begin = new NpgsqlCommand("BEGIN", holder))
        {
            await begin.ExecuteNonQueryAsync(Ct);
        }

        await using var lockRow = new NpgsqlCommand("SELECT 1 FROM screams WHERE id = $1 FOR UPDATE", holder);
        lockRow.Parameters.Add(new NpgsqlParameter { Value = screamId });
        await lockRow.ExecuteNonQueryAsync(Ct);
        return holder;
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

    private static async Task<long> WaitingClaimsAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE%screams%'",
            connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<long> SucceededScoreJobsAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded' AND invocationdata::text LIKE '%ScoreScreamJob%'",
            connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<Scream> StatusAsync(TestDatabase database, Guid id)
    {
        await using var db = database.CreateContext();
        return await db.Screams.AsNoTracking().SingleAsync(s => s.Id == id, Ct);
    }
}
