using Kisei.Web.Scaling;
using Kisei.Web.Scaling.Kubernetes;
using Kisei.Web.Tests.Billing;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Scaling;

/// <summary>The simulated cluster keeps its Deployment in the database and starts pods after a delay.</summary>
public sealed class SimulatedClusterTests(PostgresServerFixture server)
{
    private static readonly DateTimeOffset Start = new(2026, 5, 15, 3, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_cluster_runs_the_minimum_replicas()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "simulated-new");

        var scale = await Cluster(data, new FakeClock(Start), minReplicas: 2).GetScaleAsync(Ct);

        Assert.Equal((2, 2), (scale.DesiredReplicas, scale.ObservedReplicas));
        Assert.Equal(("simulated", "kisei"), (scale.Namespace, scale.Deployment));
    }

    [Fact]
    public async Task Observed_replicas_reach_the_desired_count_after_the_startup_delay()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "simulated-delay");
        var clock = new FakeClock(Start);
        var cluster = Cluster(data, clock);

        var asked = await cluster.SetReplicasAsync(3, Ct);
        clock.Advance(TimeSpan.FromSeconds(14.9));
        var starting = await cluster.GetScaleAsync(Ct);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        var started = await cluster.GetScaleAsync(Ct);

        Assert.Equal((3, 1), (asked.DesiredReplicas, asked.ObservedReplicas));
        Assert.Equal((3, 1), (starting.DesiredReplicas, starting.ObservedReplicas));
        Assert.Equal((3, 3), (started.DesiredReplicas, started.ObservedReplicas));
    }

    [Fact]
    public async Task Scaling_again_before_the_pods_start_keeps_the_running_count_until_the_new_delay_passes()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "simulated-again");
        var clock = new FakeClock(Start);
        var cluster = Cluster(data, clock);

        await cluster.SetReplicasAsync(3, Ct);
        clock.Advance(TimeSpan.FromSeconds(5));
        await cluster.SetReplicasAsync(5, Ct);
        clock.Advance(TimeSpan.FromSeconds(14));
        var starting = await cluster.GetScaleAsync(Ct);
        clock.Advance(TimeSpan.FromSeconds(1));
        var started = await cluster.GetScaleAsync(Ct);
        clock.Advance(TimeSpan.FromMinutes(1));
        await cluster.SetReplicasAsync(2, Ct);
        var stopping = await cluster.GetScaleAsync(Ct);

        Assert.Equal((5, 1), (starting.DesiredReplicas, starting.ObservedReplicas));
        Assert.Equal((5, 5), (started.DesiredReplicas, started.ObservedReplicas));
        Assert.Equal((2, 5), (stopping.DesiredReplicas, stopping.ObservedReplicas));
    }

    [Fact]
    public async Task Every_replica_of_Kisei_sees_the_same_simulated_Deployment()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "simulated-shared");
        var clock = new FakeClock(Start);
        var one = Cluster(data, clock);
        var other = Cluster(data, clock);

        await one.SetReplicasAsync(4, Ct);
        clock.Advance(TimeSpan.FromSeconds(15));
        var seen = await other.GetScaleAsync(Ct);

        Assert.Equal((4, 4), (seen.DesiredReplicas, seen.ObservedReplicas));
        Assert.True(other.IsSimulated);
    }

    private static SimulatedCluster Cluster(MoneyDatabase data, FakeClock clock, int minReplicas = 1) =>
        new(
            data.Contexts,
            clock,
            Options.Create(new ScalingOptions { MinReplicas = minReplicas, SimulatedStartupSeconds = 15 }),
            Options.Create(new ClusterOptions()));
}
