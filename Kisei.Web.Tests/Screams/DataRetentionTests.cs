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

/// <summary>Retention deletes old audio and keeps the scores; old scaling runs and snapshots go too.</summary>
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
        var oldPending = await data.AddScreamAsync(player, 0m, Now.AddDays(-9), May, ScreamStatus.Pending);
        var recent = await data.AddScreamAsync(player, 12.3m, Now.AddDays(-7).AddMinutes(1), May);

        var result = await SweepAsync(data);

        await using var db = data.Context();
        var withAudio = await db.ScreamAudio.Select(a => a.ScreamId).ToListAsync(Ct);
        Assert.Equal(2, result.ScreamAudio);
        Assert.Equal([oldPending, recent], withAudio.Order().ToArray());
        var scores = await db.Screams.ToDictionaryAsync(s => s.Id, s => (s.Status, s.Score), Ct);
        Assert.Equal(4, scores.Count);
        Assert.Equal((ScreamStatus.Scored, (decimal?)87.5m), scores[old]);
        Assert.Equal(ScreamStatus.Failed, scores[oldFailed].Status);
        Assert.Equal(87.5m + 12.3m, await new Standings(db).OfPlayerAsync(player, May, Ct));
    }

    [Fact]
    public async Task Old_scaling_runs_and_snapshots_are_trimmed_with_their_shares()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "retention-runs");
        var player = await data.AddPlayerAsync("payer", Now);
        await using (var db = data.Context())
        {
            db.ScalingRuns.AddRange(Run(Now.AddDays(-8)), Run(Now.AddDays(-6)));
            db.ShareSnapshots.AddRange(Snapshot(Now.AddDays(-36), player), Snapshot(Now.AddDays(-34), player));
            await db.SaveChangesAsync(Ct);
        }

        var result = await SweepAsync(data);

        await using var check = data.Context();
        Assert.Equal((0, 1, 1), (result.ScreamAudio, result.ScalingRuns, result.ShareSnapshots));
        Assert.Equal(Now.AddDays(-6), (await check.ScalingRuns.SingleAsync(Ct)).At);
        var kept = await check.ShareSnapshots.SingleAsync(Ct);
        Assert.Equal(Now.AddDays(-34), kept.TakenAt);
        Assert.Equal(kept.Id, (await check.PlayerShares.SingleAsync(Ct)).SnapshotId);
    }

    private static ScalingRun Run(DateTimeOffset at) => new() { At = at, Target = 1, Action = ScalingAction.None };

    private static ShareSnapshot Snapshot(DateTimeOffset at, long playerId) => new()
    {
        TakenAt = at,
        Period = May,
        BillYen = 10_000,
        CostPerReplicaYen = 10_000,
        ObservedReplicas = 1,
        Shares = [new PlayerShare { PlayerId = playerId, Standing = 1m, ShareYen = 10_000 }],
    };

    private static async Task<RetentionResult> SweepAsync(MoneyDatabase data)
    {
        await using var db = data.Context();
        var retention = new DataRetention(db, new FakeClock(Now), Options.Create(new RetentionOptions()), NullLogger<DataRetention>.Instance);
        return await retention.SweepAsync(Ct);
    }
}
