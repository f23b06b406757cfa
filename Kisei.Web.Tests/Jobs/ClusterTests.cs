using System.Globalization;
using Kisei.Web.Data;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Kisei.Web.Tests.Jobs;

/// <summary>Two Kisei hosts on one database: one clustered Quartz scheduler between them.</summary>
public sealed class TwoHostsFixture(PostgresServerFixture server) : IAsyncLifetime
{
    public const int CostSharesIntervalSeconds = 3;

    public TestDatabase Database { get; private set; } = null!;

    public KiseiApp HostA { get; private set; } = null!;

    public KiseiApp HostB { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Database = await server.CreateDatabaseAsync("cluster", TestContext.Current.CancellationToken);
        var settings = new Dictionary<string, string?> { ["Billing:CostSharesIntervalSeconds"] = $"{CostSharesIntervalSeconds}" };
        HostA = new KiseiApp(Database.ConnectionString, settings);
        HostA.StartServer();
        HostB = new KiseiApp(Database.ConnectionString, settings);
        HostB.StartServer();
    }

    public async ValueTask DisposeAsync()
    {
        await HostB.DisposeAsync();
        await HostA.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class ClusterTests(TwoHostsFixture hosts) : IClassFixture<TwoHostsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_hosts_store_one_cost_share_snapshot_per_interval_between_them()
    {
        var schedulerA = await SchedulerOf(hosts.HostA);
        var schedulerB = await SchedulerOf(hosts.HostB);
        await Wait.UntilAsync(
            () => AliveNodesAsync(schedulerA).GetAwaiter().GetResult() == 2,
            "both hosts have checked in to the cluster");
        Assert.NotEqual(schedulerA.SchedulerInstanceId, schedulerB.SchedulerInstanceId);

        // From the first snapshot after both hosts are up, watch for 45 s worth of intervals.
        var first = 0L;
        await Wait.UntilAsync(() => (first = LatestSnapshotId()) > 0, "a first snapshot is stored");
        const int Expected = 15;
        await Wait.UntilAsync(() => SnapshotsAfter(first).Count >= Expected, $"{Expected} more snapshots are stored", TimeSpan.FromSeconds(90));

        var times = SnapshotsAfter(first - 1);
        var elapsed = times[Expected] - times[0];
        var intervals = elapsed.TotalSeconds / TwoHostsFixture.CostSharesIntervalSeconds;
        var gaps = times.Zip(times.Skip(1), (earlier, later) => (later - earlier).TotalSeconds).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"{Expected} snapshots in {elapsed.TotalSeconds:0.0} s; gaps {string.Join(", ", gaps.Select(g => g.ToString("0.00", CultureInfo.InvariantCulture)))}");
        // Hosts firing on their own would store more snapshots than intervals went by.
        Assert.InRange(intervals, Expected - 1, Expected + 1);
        // A fire run by both hosts would show as two snapshots moments apart.
        Assert.All(gaps, gap => Assert.True(gap > TwoHostsFixture.CostSharesIntervalSeconds / 6.0, $"two snapshots {gap:0.00} s apart"));
    }

    [Fact]
    public async Task A_scream_uploaded_through_a_host_in_standby_is_scored_by_the_other_host()
    {
        var schedulerA = await SchedulerOf(hosts.HostA);
        using var alice = await PlayerClient.SignInAsync(hosts.HostA, "alice-cluster");
        await schedulerA.Standby(Ct);
        try
        {
            var id = await alice.UploadAcceptedAsync(TestClips.Scream());

            var scream = await alice.WaitUntilScoredAsync(id, TimeSpan.FromSeconds(60));

            Assert.Equal(SchedulerStatus.Standby, schedulerA.Status);
            Assert.True(scream.GetProperty("score").GetDecimal() > 0);
        }
        finally
        {
            await schedulerA.Start(Ct);
        }
    }

    private static async Task<IScheduler> SchedulerOf(KiseiApp host) =>
        await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);

    private static async Task<int> AliveNodesAsync(IScheduler scheduler) =>
        (await scheduler.QueryClusterNodes(Ct)).Count(n => n.State == ClusterNodeState.Alive);

    private long LatestSnapshotId()
    {
        using var db = Context();
        return db.ShareSnapshots.Select(s => (long?)s.Id).Max() ?? 0;
    }

    /// <summary>When each snapshot with an id above <paramref name="afterId"/> was taken, in order.</summary>
    private List<DateTimeOffset> SnapshotsAfter(long afterId)
    {
        using var db = Context();
        return db.ShareSnapshots.Where(s => s.Id > afterId).OrderBy(s => s.TakenAt).Select(s => s.TakenAt).ToList();
    }

    private KiseiDbContext Context() => hosts.Database.CreateContext();
}
