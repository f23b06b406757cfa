using Kisei.Web.Billing;
using Kisei.Web.Scaling;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Billing;
using Kisei.Web.Tests.Infrastructure;
using Kisei.Web.Tests.Scaling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Screams;

/// <summary>
/// Retention deletes old audio and keeps the scores; old scaling runs and snapshots go too. What cannot be
/// made again stays: a failed scream's audio until it expires, each period's final bill.
/// </summary>
public sealed class DataRetentionTests(PostgresServerFixture server)
{
    private static readonly DateTimeOffset Now = new(2026, 5, 15, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly May = new(2026, 5, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Audio_older_than_the_retention_is_deleted_and_the_scores_stay()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "retention-audio");
        var player = await data.AddPlayerAsync("keeper", Now);
        var old = await data.AddScreamAsync(player, 87.5m, Now.AddDays(-7).AddMinutes(-1), May);
        var oldFailed = await data.AddScreamAsync(player, 0m, Now.AddDays(-9), May, ScreamStatus.Failed);
        var expiredFailed = await data.AddScreamAsync(player, 0m, Now.AddDays(-30).AddMinutes(-1), May, ScreamStatus.Failed);
        var oldPending = await data.AddScreamAsync(player, 0m, Now.AddDays(-40), May, ScreamStatus.Pending);
        var recent = await data.AddScreamAsync(player, 12.3m, Now.AddDays(-7).AddMinutes(1), May);

        var result = await SweepAsync(data);

        await using var db = data.Context();
        var withAudio = await db.ScreamAudio.Select(a => a.ScreamId).ToListAsync(Ct);
        Assert.Equal(2, result.ScreamAudio);
        Assert.Equal(new[] { oldFailed, oldPending, recent }.Order().ToArray(), withAudio.Order().ToArray());
        var scores = await db.Screams.ToDictionaryAsync(s => s.Id, s => (s.Status, s.Score), Ct);
        Assert.Equal(5, scores.Count);
        Assert.Equal(ScreamStatus.Failed, scores[expiredFailed].Status);
        Assert.Equal((ScreamStatus.Scored, (decimal?)87.5m), scores[old]);
        Assert.Equal(ScreamStatus.Failed, scores[oldFailed].Status);
        Assert.Equal(87.5m + 12.3m, await new Standings(db).OfPlayerAsync(player, May, Ct));
    }

    [Fact]
    public async Task Old_scaling_runs_snapshots_and_upload_attempts_are_trimmed()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "retention-runs");
        var player = await data.AddPlayerAsync("payer", Now);
        await using (var db = data.Context())
        {
            db.ScalingRuns.AddRange(Run(Now.AddDays(-8)), Run(Now.AddDays(-6)));
            db.ShareSnapshots.AddRange(Snapshot(Now.AddDays(-36), player), Snapshot(Now.AddDays(-34), player));
            db.UploadAttempts.AddRange(
                new UploadAttempt { PlayerId = player, At = Now.AddDays(-2).AddMinutes(-1) },
                new UploadAttempt { PlayerId = player, At = Now.AddDays(-1).AddMinutes(-1) });
            await db.SaveChangesAsync(Ct);
        }

        var result = await SweepAsync(data);

        await using var check = data.Context();
        Assert.Equal((0, 1, 1, 1), (result.ScreamAudio, result.ScalingRuns, result.ShareSnapshots, result.UploadAttempts));
        Assert.Equal(Now.AddDays(-1).AddMinutes(-1), (await check.UploadAttempts.SingleAsync(Ct)).At);
        Assert.Equal(Now.AddDays(-6), (await check.ScalingRuns.SingleAsync(Ct)).At);
        var kept = await check.ShareSnapshots.SingleAsync(Ct);
        Assert.Equal(Now.AddDays(-34), kept.TakenAt);
        Assert.Equal(kept.Id, (await check.PlayerShares.SingleAsync(Ct)).SnapshotId);
    }

    [Fact]
    public async Task A_failed_scream_keeps_its_audio_so_it_can_be_retried()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "retention-failed");
        var player = await data.AddPlayerAsync("unlucky", Now);
        var failed = await data.AddScreamAsync(player, 0m, Now.AddDays(-20), May, ScreamStatus.Failed);
        var scored = await data.AddScreamAsync(player, 50m, Now.AddDays(-20), May);

        await SweepAsync(data);

        await using var db = data.Context();
        Assert.Equal([failed], await db.ScreamAudio.Select(a => a.ScreamId).ToListAsync(Ct));
        Assert.True(await db.Screams.AnyAsync(s => s.Id == scored, Ct));
    }

    [Fact]
    public async Task A_periods_final_bill_and_shares_survive_the_cleanup()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "retention-final-bill");
        var player = await data.AddPlayerAsync("archivist", Now);
        var february = new DateOnly(2026, 2, 1);
        var march = new DateOnly(2026, 3, 1);
        await using (var db = data.Context())
        {
            db.ShareSnapshots.AddRange(
                Snapshot(new DateTimeOffset(2026, 2, 27, 0, 0, 0, TimeSpan.Zero), player, february, billYen: 10_000),
                Snapshot(new DateTimeOffset(2026, 2, 28, 14, 59, 30, TimeSpan.Zero), player, february, billYen: 20_000),
                Snapshot(new DateTimeOffset(2026, 3, 20, 0, 0, 0, TimeSpan.Zero), player, march, billYen: 30_000),
                Snapshot(new DateTimeOffset(2026, 3, 31, 14, 59, 30, TimeSpan.Zero), player, march, billYen: 40_000),
                Snapshot(Now.AddDays(-1), player, May, billYen: 50_000));
            await db.SaveChangesAsync(Ct);
        }

        var result = await SweepAsync(data);
        var again = await SweepAsync(data);

        await using var check = data.Context();
        var kept = await check.ShareSnapshots.Include(s => s.Shares).OrderBy(s => s.TakenAt).ToListAsync(Ct);
        Assert.Equal((2, 0), (result.ShareSnapshots, again.ShareSnapshots));
        Assert.Equal([(february, 20_000L), (march, 40_000L), (May, 50_000L)], kept.Select(s => (s.Period, s.BillYen)).ToArray());
        Assert.All(kept, snapshot => Assert.Equal(snapshot.BillYen, snapshot.Shares.Single().ShareYen));
    }

    private static ScalingRun Run(DateTimeOffset at) => new() { At = at, Target = 1, Action = ScalingAction.None };

    private static ShareSnapshot Snapshot(DateTimeOffset at, long playerId) => Snapshot(at, playerId, May, 10_000);

    private static ShareSnapshot Snapshot(DateTimeOffset at, long playerId, DateOnly period, long billYen) => new()
    {
        TakenAt = at,
        Period = period,
        BillYen = billYen,
        CostPerReplicaYen = 10_000,
        ObservedReplicas = 1,
        Shares = [new PlayerShare { PlayerId = playerId, Standing = 1m, ShareYen = billYen }],
    };

    private static async Task<RetentionResult> SweepAsync(MoneyDatabase data)
    {
        await using var db = data.Context();
        var retention = new DataRetention(db, new FakeClock(Now), Options.Create(new RetentionOptions()), NullLogger<DataRetention>.Instance);
        return await retention.SweepAsync(Ct);
    }
}
