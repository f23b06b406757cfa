using System.Globalization;
using Kisei.Web.Tests.Infrastructure;
using Npgsql;

namespace Kisei.Web.Tests.Jobs;

/// <summary>
/// Several replicas on one database: Hangfire's locks run each recurring tick once between them, from
/// the moment they start together, and a replica killed with SIGKILL costs at most one tick.
/// </summary>
/// <remarks>
/// Production's proportions, shortened: ticks every 10 s and locks that expire after 5 s there; here every
/// 6 s and after 3 s. The scheduler's and the queue's 1 s polls stay as they are, so a run may start up to
/// about 2 s after its tick, and two runs of consecutive ticks can be 4 s apart, never half an interval.
/// </remarks>
public sealed class ClusterTests(PostgresServerFixture server)
{
    private const int IntervalSeconds = 6;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Billing:CostSharesIntervalSeconds"] = $"{IntervalSeconds}",
        ["Scaling:IntervalSeconds"] = $"{IntervalSeconds}",
        ["Jobs:DistributedLockTimeoutSeconds"] = "3",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_hosts_started_together_run_each_cost_shares_and_scaling_tick_once()
    {
        await using var database = await server.CreateDatabaseAsync("cluster", Ct);
        await using var hostA = new KiseiApp(database.ConnectionString, Settings);
        await using var hostB = new KiseiApp(database.ConnectionString, Settings);
        await Task.WhenAll(Task.Run(hostA.StartServer, Ct), Task.Run(hostB.StartServer, Ct));
        await Wait.UntilAsync(() => ServersAsync(database).GetAwaiter().GetResult() == 2, "both hosts' job servers are up", TimeSpan.FromSeconds(30));

        const int Ticks = 3;
        await Wait.UntilAsync(() => Times(database, "scaling_runs", "at").Count > Ticks && Times(database, "share_snapshots", "taken_at").Count > Ticks, $"{Ticks} ticks of each job", TimeSpan.FromSeconds(60));

        // From the very first tick, which both hosts reached at once.
        AssertOncePerInterval(Times(database, "scaling_runs", "at"), "scaling");
        AssertOncePerInterval(Times(database, "share_snapshots", "taken_at"), "cost shares");
    }

    [Fact]
    public async Task When_one_of_two_hosts_is_killed_holding_the_schedulers_lock_the_other_misses_at_most_one_scaling_tick_and_runs_none_twice()
    {
        await using var database = await server.CreateDatabaseAsync("cluster-kill", Ct);
        await using var survivor = new KiseiApp(database.ConnectionString, Settings);
        survivor.StartServer();
        using var victim = ChildHost.Start(database, Settings);
        await Wait.UntilAsync(() => ServersAsync(database).GetAwaiter().GetResult() == 2, "both hosts' job servers are up", TimeSpan.FromSeconds(120));
        var bothUp = DateTimeOffset.UtcNow;
        await Wait.UntilAsync(() => Times(database, "scaling_runs", "at").Any(t => t > bothUp), "a tick with both hosts up", TimeSpan.FromSeconds(30));

        // The worst moment to die: just before a tick, in the middle of a scheduler pass and of a scaling run.
        // Their locks stay behind, as the killed host's would, until they expire.
        await Wait.UntilAsync(() => SecondsSinceTick() is >= IntervalSeconds - 1 and < IntervalSeconds - 0.5, "a second before the next tick", TimeSpan.FromSeconds(10));
        victim.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        await StrandLockAsync(database, "hangfire:recurring-jobs:lock");
        await StrandLockAsync(database, "hangfire:Kisei.Web.Scaling.ScalingJob.RunAsync");

        await Wait.UntilAsync(() => Times(database, "scaling_runs", "at").Count(t => t > killedAt) >= 3, "three ticks after the kill", TimeSpan.FromSeconds(45));
        var times = Times(database, "scaling_runs", "at");
        var lastBefore = times.Last(t => t <= killedAt);
        var firstAfter = times.First(t => t > killedAt);
        var outage = (firstAfter - lastBefore).TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine($"killed {(killedAt - lastBefore).TotalSeconds:0.00} s after a tick; the next came {(firstAfter - killedAt).TotalSeconds:0.00} s after the kill");
        // At most one tick missed: the next one runs, or the one after it. Two seconds more for the polls.
        Assert.True(outage <= (2 * IntervalSeconds) + 2, $"no scaling tick for {outage:0.00} s around the kill");
        // And no burst: once per tick, from before the kill on.
        AssertOncePerInterval(times.Where(t => t >= lastBefore).ToList(), "scaling");
    }

    /// <summary>Seconds since the schedule last ticked: the cron fires on every multiple of the interval in the minute.</summary>
    private static double SecondsSinceTick()
    {
        var now = DateTimeOffset.UtcNow;
        return (now.Second % IntervalSeconds) + (now.Millisecond / 1000.0);
    }

    /// <summary>Leaves <paramref name="resource"/>'s lock behind as a host killed while holding it would: taken now, never released.</summary>
    private static async Task StrandLockAsync(TestDatabase database, string resource)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        // The survivor may hold it for a moment itself; wait for that moment to pass.
        await Wait.UntilAsync(
            () =>
            {
                using var take = new NpgsqlCommand("INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ($1, 0, now()) ON CONFLICT DO NOTHING", connection);
                take.Parameters.Add(new NpgsqlParameter { Value = resource });
                return take.ExecuteNonQuery() == 1;
            },
            $"the lock {resource} is free to take",
            TimeSpan.FromSeconds(5));
    }

    /// <summary>Runs about one interval apart, never two at one tick, never more runs than ticks.</summary>
    private static void AssertOncePerInterval(List<DateTimeOffset> times, string job)
    {
        var gaps = times.Zip(times.Skip(1), (earlier, later) => (later - earlier).TotalSeconds).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"{job}: gaps {string.Join(", ", gaps.Select(g => g.ToString("0.00", CultureInfo.InvariantCulture)))}");
        Assert.All(gaps, gap => Assert.True(gap > IntervalSeconds / 2.0, $"two {job} runs {gap:0.00} s apart"));
        var intervals = (times[^1] - times[0]).TotalSeconds / IntervalSeconds;
        Assert.True(gaps.Count <= intervals + 1, $"{gaps.Count + 1} {job} runs in {intervals:0.0} intervals");
    }

    private static List<DateTimeOffset> Times(TestDatabase database, string table, string column)
    {
        using var connection = new NpgsqlConnection(database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"SELECT {column} FROM {table} ORDER BY {column}", connection);
        using var reader = command.ExecuteReader();
        var times = new List<DateTimeOffset>();
        while (reader.Read())
        {
            times.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

        return times;
    }

    /// <summary>Job servers that heartbeated within the last few seconds.</summary>
    internal static async Task<long> ServersAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM hangfire.server WHERE lastheartbeat > now() - interval '30 seconds'", connection);
        try
        {
            return (long)(await command.ExecuteScalarAsync(Ct))!;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0; // Hangfire has not prepared its schema yet.
        }
    }
}
