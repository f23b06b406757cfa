using Kisei.Web.Billing;
using Kisei.Web.Scaling;
using Kisei.Web.Scaling.Kubernetes;
using Kisei.Web.Tests.Billing;
using Kisei.Web.Tests.Infrastructure;
using Kisei.Web.Tests.Scaling.Kubernetes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Scaling;

/// <summary>
/// The scaling run against real PostgreSQL with a fake cluster and a fake clock. Each run gets a new
/// context and a new <see cref="Autoscaler"/>, as each job run does, so the stabilization history can
/// only come from the database.
/// </summary>
public sealed class AutoscalerTests(PostgresServerFixture server)
{
    private static readonly DateTimeOffset Start = new(2026, 5, 15, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly May = new(2026, 5, 1);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_higher_target_scales_up_at_once()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scale-up");
        var clock = new FakeClock(Start);
        var cluster = new FakeCluster(desiredReplicas: 1);
        await ScoreAsync(data, 250m); // floor(250 / 100) + 1 = 3

        var run = await RunAsync(data, clock, cluster);

        Assert.Equal([3], cluster.Requests);
        Assert.Equal(ScalingAction.Scaled, run.Action);
        Assert.Equal((1, 3, 3, 1), (run.ReplicasBefore, run.Target, run.ReplicasSet, run.ObservedReplicas));
        Assert.Equal(250m, run.TotalScore);
        await using var db = data.Context();
        var stored = await db.ScalingRuns.SingleAsync(Ct);
        Assert.Equal((ScalingAction.Scaled, 3, 3, (string?)null), (stored.Action, stored.Target, stored.ReplicasSet, stored.Error));
    }

    [Fact]
    public async Task At_the_target_nothing_is_asked_of_the_cluster()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scale-none");
        var clock = new FakeClock(Start);
        var cluster = new FakeCluster(desiredReplicas: 2);
        await ScoreAsync(data, 150m);

        var run = await RunAsync(data, clock, cluster);

        Assert.Equal(ScalingAction.None, run.Action);
        Assert.Empty(cluster.Requests);
        Assert.Null(run.ReplicasSet);
    }

    [Fact]
    public async Task A_lower_target_is_held_inside_the_window_and_applied_after_it()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scale-down");
        var clock = new FakeClock(Start);
        var cluster = new FakeCluster(desiredReplicas: 1);
        var screams = await ScoreAsync(data, 250m);
        Assert.Equal(ScalingAction.Scaled, (await RunAsync(data, clock, cluster)).Action);

        // The screams are deleted: the score now asks for one replica.
        await using (var db = data.Context())
        {
            await db.Screams.Where(s => screams.Contains(s.Id)).ExecuteDeleteAsync(Ct);
        }

        var actions = new List<(TimeSpan After, ScalingAction Action)>();
        for (var i = 0; i < 32; i++)
        {
            clock.Advance(Interval);
            actions.Add((clock.GetUtcNow() - Start, (await RunAsync(data, clock, cluster)).Action));
        }

        // Held while a run within the last 300 s still asked for 3; then down, once.
        Assert.All(actions.Where(a => a.After < TimeSpan.FromSeconds(300)), a => Assert.Equal(ScalingAction.Held, a.Action));
        var down = Assert.Single(actions, a => a.Action == ScalingAction.Scaled);
        Assert.InRange(down.After, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(310));
        Assert.Equal([3, 1], cluster.Requests);
        Assert.All(actions.Where(a => a.After > down.After), a => Assert.Equal(ScalingAction.None, a.Action));
    }

    [Fact]
    public async Task After_a_gap_in_the_runs_a_lower_target_waits_for_a_whole_window_of_history()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scale-gap");
        var clock = new FakeClock(Start);
        var cluster = new FakeCluster(desiredReplicas: 1);
        var screams = await ScoreAsync(data, 250m);
        await RunAsync(data, clock, cluster);
        await using (var db = data.Context())
        {
            await db.Screams.Where(s => screams.Contains(s.Id)).ExecuteDeleteAsync(Ct);
        }

        // The whole cluster was down for an hour: nothing watched the score in the meantime.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ScalingAction.Held, (await RunAsync(data, clock, cluster)).Action);
        var firstDown = TimeSpan.Zero;
        for (var elapsed = Interval; elapsed <= TimeSpan.FromSeconds(320) && firstDown == TimeSpan.Zero; elapsed += Interval)
        {
            clock.Advance(Interval);
            if ((await RunAsync(data, clock, cluster)).Action == ScalingAction.Scaled)
            {
                firstDown = elapsed;
            }
        }

        Assert.InRange(firstDown, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(310));
        Assert.Equal([3, 1], cluster.Requests);
    }

    [Fact]
    public async Task A_failed_scale_call_is_recorded_as_failed_with_the_api_message()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scale-failed");
        var clock = new FakeClock(Start);
        const string Message = "PATCH deployments/kisei/scale: 403 Forbidden: deployments.apps \"kisei\" is forbidden";
        var cluster = new FakeCluster(desiredReplicas: 1)
        {
            WriteFailure = new KubernetesApiException(KubernetesErrorKind.Forbidden, Message, System.Net.HttpStatusCode.Forbidden),
        };
        await ScoreAsync(data, 250m);

        var run = await RunAsync(data, clock, cluster);

        Assert.Equal(ScalingAction.Failed, run.Action);
        Assert.Equal([3], cluster.Requests);
        Assert.Null(run.ReplicasSet);
        await using var db = data.Context();
        var stored = await db.ScalingRuns.SingleAsync(Ct);
        Assert.Equal(ScalingAction.Failed, stored.Action);
        Assert.Equal(Message, stored.Error);
        Assert.Equal((1, 1, 3), (stored.ReplicasBefore, stored.ObservedReplicas, stored.Target));
        Assert.False(stored.IsSimulated);
    }

    [Fact]
    public async Task An_unreadable_cluster_is_recorded_as_failed_and_the_next_run_recovers()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scale-unreadable");
        var clock = new FakeClock(Start);
        var cluster = new FakeCluster(desiredReplicas: 1)
        {
            ReadFailure = new KubernetesApiException(KubernetesErrorKind.Timeout, "GET deployments/kisei/scale timed out after 3 attempts"),
        };
        await ScoreAsync(data, 250m);

        var failed = await RunAsync(data, clock, cluster);
        cluster.ReadFailure = null;
        clock.Advance(Interval);
        var recovered = await RunAsync(data, clock, cluster);

        Assert.Equal(ScalingAction.Failed, failed.Action);
        Assert.Contains("timed out", failed.Error, StringComparison.Ordinal);
        Assert.Null(failed.ObservedReplicas);
        Assert.Equal(3, failed.Target);
        Assert.Equal(ScalingAction.Scaled, recovered.Action);
        Assert.Equal([3], cluster.Requests);
    }

    [Theory]
    [InlineData(401, "Unauthorized")]
    [InlineData(403, "deployments.apps \"kisei\" is forbidden")]
    [InlineData(404, "deployments.apps \"kisei\" not found")]
    [InlineData(409, "the object has been modified")]
    [InlineData(500, "etcdserver: request timed out")]
    [InlineData(0, "timed out after 0.2 s")]
    public async Task Each_kubernetes_api_failure_is_recorded_on_the_run(int code, string expected)
    {
        await using var data = await MoneyDatabase.CreateAsync(server, $"scale-api-{code}");
        await using var api = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        // Code 0 stands for an API server that never answers.
        api.Respond = code == 0 ? api.HangAsync : context => FakeApiServer.WriteStatusAsync(context, code, expected);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(api, serviceAccount, new()
        {
            ["Scaling:Kubernetes:MaxAttempts"] = "2",
            ["Scaling:Kubernetes:RequestTimeout"] = "00:00:00.200",
        });
        await ScoreAsync(data, 250m);

        var run = await RunAsync(data, new FakeClock(Start), host.Scaler);

        await using var db = data.Context();
        var stored = await db.ScalingRuns.SingleAsync(Ct);
        Assert.Equal((ScalingAction.Failed, run.Id), (stored.Action, stored.Id));
        Assert.Contains(expected, stored.Error, StringComparison.Ordinal);
        if (code != 0)
        {
            Assert.Contains($"answered {code}", stored.Error, StringComparison.Ordinal);
        }

        Assert.Null(stored.ObservedReplicas);
        Assert.False(stored.IsSimulated);
    }

    [Fact]
    public async Task The_monthly_budget_caps_the_replicas()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scale-budget");
        var clock = new FakeClock(Start);
        var cluster = new FakeCluster(desiredReplicas: 1);
        await ScoreAsync(data, 900m); // asks for 10, MaxReplicas says 5, the budget pays for 3

        var run = await RunAsync(data, clock, cluster, monthlyBudgetYen: 35_000);

        Assert.Equal(3, run.Target);
        Assert.Equal([3], cluster.Requests);
    }

    /// <summary>Scored screams for one player adding up to <paramref name="total"/>, at most 100 points each.</summary>
    private static async Task<List<Guid>> ScoreAsync(MoneyDatabase data, decimal total)
    {
        var player = await data.AddPlayerAsync($"player-{Guid.NewGuid():N}"[..20], Start);
        var ids = new List<Guid>();
        for (var left = total; left > 0; left -= 100m)
        {
            ids.Add(await data.AddScreamAsync(player, Math.Min(100m, left), Start.AddMinutes(-ids.Count - 1), May));
        }

        return ids;
    }

    private static async Task<ScalingRun> RunAsync(MoneyDatabase data, FakeClock clock, IClusterScaler cluster, long? monthlyBudgetYen = null)
    {
        var scaling = new ScalingOptions { PointsPerReplica = 100m, IntervalSeconds = (int)Interval.TotalSeconds };
        var billing = new BillingOptions { MonthlyBudgetYen = monthlyBudgetYen };
        var policy = new ReplicaPolicy(new ReplicaPolicySettings(
            scaling.MinReplicas, scaling.MaxReplicas, scaling.PointsPerReplica, scaling.StabilizationWindow, billing.CostPerReplicaYen, billing.MonthlyBudgetYen));
        await using var db = data.Context();
        var autoscaler = new Autoscaler(
            db, new Standings(db), MoneyDatabase.Periods(clock), policy, cluster, clock, Options.Create(scaling), NullLogger<Autoscaler>.Instance);
        return await autoscaler.RunAsync(Ct);
    }
}
