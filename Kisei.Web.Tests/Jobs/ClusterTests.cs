using System.Globalization;
using Kisei.Web.Tests.Infrastructure;
using Npgsql;

namespace Kisei.Web.Tests.Jobs;

/// <summary>
/// Several replicas on one database: Hangfire's locks run each recurring tick once between them, from
/// the moment they start together, and a replica killed with SIGKILL costs at most one interval.
/// </summary>
public sealed class ClusterTests(PostgresServerFixture server)
{
    private const int IntervalSeconds = 2;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Billing:CostSharesIntervalSeconds"] = $"{IntervalSeconds}",
        ["Scaling:IntervalSeconds"] = $"{IntervalSeconds}",
        ["Jobs:DistributedLockTimeoutSeconds"] = "5",
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

        const int Ticks = 6;
        await Wait.UntilAsync(() => Times(database, "scaling_runs", "at").Count > Ticks && Times(database, "share_snapshots", "taken_at").Count > Ticks, $"{Ticks} ticks of each job", TimeSpan.FromSeconds(60));

        // From the very first tick, which both hosts reached at once.
        AssertOncePerInterval(Times(database, "scaling_runs", "at"), "scaling");
        AssertOncePerInterval(Times(database, "share_snapshots", "taken_at"), "cost shares");
    }

    [Fact]
    public async Task When_one_of_two_hosts_is_killed_the_other_runs_the_next_scaling_tick_within_one_interval_and_none_twice()
    {
        await using var database = await server.CreateDatabaseAsync("cluster-kill", Ct);
        await using var survivor = new KiseiApp(database.ConnectionString, Settings);
        survivor.StartServer();
        using var victim = ChildHost.Start(database, Settings);
        await Wait.UntilAsync(() => ServersAsync(database).GetAwaiter().GetResult() == 2, "both hosts' job servers are up", TimeSpan.FromSeconds(120));
        var bothUp = DateTimeOffset.UtcNow;
        await Wait.UntilAsync(() => Times(database, "scaling_runs", "at").Count(t => t > bothUp) >= 3, "three ticks with both hosts up", TimeSpan.FromSeconds(30));

        victim.Kill();
        var killedAt = DateTimeOffset.UtcNow;

        await Wait.UntilAsync(() => Times(database, "scaling_runs", "at").Count(t => t > killedAt) >= 4, "four ticks after the kill", TimeSpan.FromSeconds(30));
        var after = Times(database, "scaling_runs", "at").Where(t => t > killedAt).ToList();
        var wait = (after[0] - killedAt).TotalSeconds;
        // One interval, and the scheduler's one-second poll.
        Assert.True(wait <= IntervalSeconds + 1.5, $"the first tick after the kill came {wait:0.00} s later");
        AssertOncePerInterval(Times(database, "scaling_runs", "at"), "scaling");
    }

    /// <summary>Runs about one interval apart, never two at one tick.</summary>
    private static void AssertOncePerInterval(List<DateTimeOffset> times, string job)
    {
        var gaps = times.Zip(times.Skip(1), (earlier, later) => (later - earlier).TotalSeconds).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"{job}: gaps {string.Join(", ", gaps.Select(g => g.ToString("0.00", CultureInfo.InvariantCulture)))}");
        Assert.All(gaps, gap => Assert.True(gap > IntervalSeconds / 2.0, $"two {job} runs {gap:0.00} s apart"));
        var intervals = (times[^1] - times[0]).TotalSeconds / IntervalSeconds;
        Assert.InRange(gaps.Count, intervals - 1, intervals + 1);
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
