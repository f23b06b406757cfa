using Kisei.Web.Accounts;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Tests.Screams;

/// <summary>No upload is lost: screams left pending while the app was down are scored when it starts.</summary>
public sealed class RestartTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Screams_left_pending_while_the_app_was_down_are_scored_once_it_starts()
    {
        await using var database = await server.CreateDatabaseAsync("restart", Ct);
        await using (var first = new KiseiApp(database.ConnectionString))
        {
            first.StartServer(); // applies the migrations, then stops
        }

        // While the app is down: an upload whose job was never queued, and one whose run died with its claim.
        var now = DateTimeOffset.UtcNow;
        var neverQueued = Guid.CreateVersion7();
        var crashedRun = Guid.CreateVersion7();
        await using (var db = database.CreateContext())
        {
            var player = new Player { Login = "alice-restart", CreatedAt = now, LastSeenAt = now };
            db.Players.Add(player);
            await db.SaveChangesAsync(Ct);
            db.Screams.Add(Pending(neverQueued, player.Id, now, attempts: 0, claimedAt: null));
            db.Screams.Add(Pending(crashedRun, player.Id, now.AddMinutes(-20), attempts: 1, claimedAt: now.AddMinutes(-10)));
            await db.SaveChangesAsync(Ct);
        }

        await using var second = new KiseiApp(database.ConnectionString);
        second.StartServer();

        await Wait.UntilAsync(
            () => StatusesAsync(database).GetAwaiter().GetResult().All(s => s == ScreamStatus.Scored),
            "both pending screams are scored",
            TimeSpan.FromSeconds(60));
        await using var check = database.CreateContext();
        var crashed = await check.Screams.SingleAsync(s => s.Id == crashedRun, Ct);
        Assert.Equal(2, crashed.Attempts);
        Assert.NotNull(crashed.Score);
    }

    private static Scream Pending(Guid id, long playerId, DateTimeOffset createdAt, int attempts, DateTimeOffset? claimedAt) => new()
    {
        Id = id,
        PlayerId = playerId,
        CreatedAt = createdAt,
        Period = new DateOnly(createdAt.Year, createdAt.Month, 1),
        Status = ScreamStatus.Pending,
        Attempts = attempts,
        ScoringStartedAt = claimedAt,
        ByteCount = 0,
        Audio = new ScreamAudio { Wav = TestClips.Scream() },
    };

    private static async Task<List<ScreamStatus>> StatusesAsync(TestDatabase database)
    {
        await using var db = database.CreateContext();
        return await db.Screams.Select(s => s.Status).ToListAsync(Ct);
    }

}
