using Kisei.Web.Billing;
using Kisei.Web.Scaling.Kubernetes;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Kisei.Web.Tests.Scaling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Billing;

/// <summary>The cost-shares service against real PostgreSQL, with a fake cluster and a fake clock.</summary>
public sealed class CostSharesTests(PostgresServerFixture server)
{
    // 12:00 in Tokyo on 15 May 2026: the period is May.
    private static readonly DateTimeOffset Now = new(2026, 5, 15, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly May = new(2026, 5, 1);
    private static readonly DateOnly April = new(2026, 4, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Shares_add_up_to_the_bill_and_the_higher_scorer_pays_less()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "shares-sum");
        var loud = await data.AddPlayerAsync("loud", Now);
        var middle = await data.AddPlayerAsync("middle", Now);
        var quiet = await data.AddPlayerAsync("quiet", Now);
        await data.AddScreamAsync(loud, 50m, Now.AddHours(-2), May);
        await data.AddScreamAsync(loud, 30m, Now.AddHours(-1), May);
        await data.AddScreamAsync(middle, 50m, Now.AddHours(-1), May);
        await data.AddScreamAsync(quiet, 20m, Now.AddHours(-1), May);

        var snapshot = await TakeSnapshotAsync(data, new FakeCluster(desiredReplicas: 3));

        // S = 150, N = 3, bill = 30000: share_i = 30000 · (1 − s_i/150) / 2.
        var shares = await SharesAsync(data, snapshot.Id);
        Assert.Equal(30_000, snapshot.BillYen);
        Assert.Equal(150m, snapshot.TotalScore);
        Assert.Equal(snapshot.BillYen, shares.Values.Sum(s => s.ShareYen));
        Assert.Equal(7_000, shares[loud].ShareYen);
        Assert.Equal(10_000, shares[middle].ShareYen);
        Assert.Equal(13_000, shares[quiet].ShareYen);
        Assert.Equal(80m, shares[loud].Standing);
    }

    [Fact]
    public async Task Shares_add_up_to_the_bill_when_the_split_leaves_remainders()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "shares-remainder");
        foreach (var (login, score) in new[] { ("a", 33.3m), ("b", 33.3m), ("c", 12.7m), ("d", 0.1m), ("e", 99.9m) })
        {
            await data.AddScreamAsync(await data.AddPlayerAsync(login, Now), score, Now.AddMinutes(-5), May);
        }

        var snapshot = await TakeSnapshotAsync(data, new FakeCluster(desiredReplicas: 1), costPerReplicaYen: 10_001);

        var shares = await SharesAsync(data, snapshot.Id);
        Assert.Equal(5, shares.Count);
        Assert.Equal(10_001, shares.Values.Sum(s => s.ShareYen));
    }

    [Fact]
    public async Task The_bill_is_the_cost_per_replica_times_the_observed_replicas_not_the_desired()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "shares-observed");
        await data.AddScreamAsync(await data.AddPlayerAsync("alone", Now), 42m, Now.AddMinutes(-1), May);

        var snapshot = await TakeSnapshotAsync(data, new FakeCluster(desiredReplicas: 4, observedReplicas: 2), costPerReplicaYen: 12_345);

        Assert.Equal(2, snapshot.ObservedReplicas);
        Assert.Equal(12_345 * 2, snapshot.BillYen);
        Assert.Equal(12_345, snapshot.CostPerReplicaYen);
        // N = 1: the only active player pays the whole bill.
        Assert.Equal(24_690, Assert.Single((await SharesAsync(data, snapshot.Id)).Values).ShareYen);
    }

    [Fact]
    public async Task Only_this_periods_scored_screams_count()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "shares-period");
        var veteran = await data.AddPlayerAsync("veteran", Now);
        var newcomer = await data.AddPlayerAsync("newcomer", Now);
        var lapsed = await data.AddPlayerAsync("lapsed", Now);
        // Last month's big scores are history; so are screams still pending or failed.
        await data.AddScreamAsync(veteran, 100m, Now.AddDays(-20), April);
        await data.AddScreamAsync(veteran, 100m, Now.AddDays(-19), April);
        await data.AddScreamAsync(veteran, 10m, Now.AddHours(-1), May);
        await data.AddScreamAsync(veteran, 90m, Now.AddMinutes(-1), May, ScreamStatus.Pending);
        await data.AddScreamAsync(veteran, 90m, Now.AddMinutes(-2), May, ScreamStatus.Failed);
        await data.AddScreamAsync(newcomer, 30m, Now.AddHours(-1), May);
        await data.AddScreamAsync(lapsed, 100m, Now.AddDays(-18), April);

        var snapshot = await TakeSnapshotAsync(data, new FakeCluster(desiredReplicas: 2));

        var shares = await SharesAsync(data, snapshot.Id);
        Assert.Equal(May, snapshot.Period);
        Assert.Equal(40m, snapshot.TotalScore);
        Assert.Equal([veteran, newcomer], shares.Keys.Order().ToArray());
        Assert.Equal(10m, shares[veteran].Standing);
        // This month the veteran scored less, so pays more: 20000 · 30/40 and 20000 · 10/40.
        Assert.Equal(15_000, shares[veteran].ShareYen);
        Assert.Equal(5_000, shares[newcomer].ShareYen);
    }

    [Fact]
    public async Task With_nobody_active_the_snapshot_records_the_bill_and_no_shares()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "shares-empty");
        await data.AddPlayerAsync("watcher", Now);

        var snapshot = await TakeSnapshotAsync(data, new FakeCluster(desiredReplicas: 1, simulated: true));

        await using var db = data.Context();
        var stored = await db.ShareSnapshots.Include(s => s.Shares).SingleAsync(Ct);
        Assert.Equal(snapshot.Id, stored.Id);
        Assert.Equal(10_000, stored.BillYen);
        Assert.True(stored.IsSimulated);
        Assert.Empty(stored.Shares);
    }

    [Fact]
    public async Task An_unreadable_cluster_stores_no_snapshot_and_says_why()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "shares-unreadable");
        await data.AddScreamAsync(await data.AddPlayerAsync("alone", Now), 42m, Now.AddMinutes(-1), May);
        var cluster = new FakeCluster { ReadFailure = new KubernetesApiException(KubernetesErrorKind.Forbidden, "deployments.apps \"kisei\" is forbidden") };

        var failure = await Assert.ThrowsAsync<KubernetesApiException>(() => TakeSnapshotAsync(data, cluster));

        Assert.Contains("forbidden", failure.Message, StringComparison.Ordinal);
        await using var db = data.Context();
        Assert.Equal(0, await db.ShareSnapshots.CountAsync(Ct));
    }

    private static async Task<ShareSnapshot> TakeSnapshotAsync(MoneyDatabase data, FakeCluster cluster, long costPerReplicaYen = 10_000)
    {
        var clock = new FakeClock(Now);
        var options = Options.Create(new BillingOptions { CostPerReplicaYen = costPerReplicaYen });
        await using var db = data.Context();
        var service = new CostShares(db, new Standings(db), MoneyDatabase.Periods(clock), cluster, clock, options, NullLogger<CostShares>.Instance);
        return await service.TakeSnapshotAsync(Ct);
    }

    private static async Task<Dictionary<long, PlayerShare>> SharesAsync(MoneyDatabase data, long snapshotId)
    {
        await using var db = data.Context();
        return await db.PlayerShares.Where(s => s.SnapshotId == snapshotId).ToDictionaryAsync(s => s.PlayerId, Ct);
    }
}
