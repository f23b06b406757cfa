using Kisei.Web.Scaling;

namespace Kisei.Web.Tests.Scaling;

public sealed class ReplicaPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static ReplicaPolicy Policy(int min = 1, int max = 5, long? budget = null, int windowSeconds = 300) =>
        new(new ReplicaPolicySettings(min, max, 810m, TimeSpan.FromSeconds(windowSeconds), 10_000, budget));

    /// <summary>A run every 10 s for the last <paramref name="seconds"/> seconds, all recommending <paramref name="target"/>.</summary>
    private static List<Recommendation> Steady(int target, int seconds) =>
        Enumerable.Range(1, seconds / 10).Select(i => new Recommendation(Now.AddSeconds(-10 * i), target)).ToList();

    [Theory]
    [InlineData(0, 1)]
    [InlineData(809.9, 1)]
    [InlineData(810, 2)]
    [InlineData(1619.9, 2)]
    [InlineData(1620, 3)]
    [InlineData(3240, 5)]
    [InlineData(1_000_000, 5)]
    public void Target_is_floor_of_total_over_810_plus_one_within_min_and_max(double total, int expected) =>
        Assert.Equal(expected, Policy().Recommend((decimal)total));

    [Fact]
    public void Min_replicas_hold_when_nobody_screams() =>
        Assert.Equal(2, Policy(min: 2).Recommend(0m));

    [Theory]
    [InlineData(30_000, 3)]   // floor(30000 / 10000) = 3 replicas affordable
    [InlineData(45_000, 4)]
    [InlineData(1_000_000, 5)] // the budget allows more than MaxReplicas
    public void A_monthly_budget_caps_the_maximum(long budget, int expectedMax)
    {
        var policy = Policy(budget: budget);

        Assert.Equal(expectedMax, policy.EffectiveMaxReplicas);
        Assert.Equal(expectedMax, policy.Recommend(100_000m));
    }

    [Fact]
    public void Scaling_up_happens_at_once()
    {
        var decision = Policy().Decide(1700m, currentReplicas: 1, Steady(1, 600), Now);

        Assert.Equal(new ReplicaDecision(3, 3, ScalingAction.Scaled), decision);
    }

    [Fact]
    public void At_the_target_nothing_happens() =>
        Assert.Equal(new ReplicaDecision(2, 2, ScalingAction.None), Policy().Decide(900m, 2, Steady(2, 600), Now));

    [Fact]
    public void A_lower_target_is_held_inside_the_window()
    {
        // Two minutes ago the score still asked for 3.
        var history = Steady(1, 600);
        history.Add(new Recommendation(Now.AddSeconds(-120), 3));

        var decision = Policy().Decide(0m, currentReplicas: 3, history, Now);

        Assert.Equal(new ReplicaDecision(1, 3, ScalingAction.Held), decision);
    }

    [Fact]
    public void A_lower_target_that_held_for_the_whole_window_scales_down()
    {
        var decision = Policy().Decide(0m, currentReplicas: 3, Steady(1, 600), Now);

        Assert.Equal(new ReplicaDecision(1, 1, ScalingAction.Scaled), decision);
    }

    [Fact]
    public void Scaling_down_stops_at_the_highest_recommendation_in_the_window()
    {
        var history = Steady(1, 600);
        history.Add(new Recommendation(Now.AddSeconds(-200), 2));

        var decision = Policy().Decide(0m, currentReplicas: 4, history, Now);

        Assert.Equal(new ReplicaDecision(1, 2, ScalingAction.Scaled), decision);
    }

    [Fact]
    public void Without_a_whole_window_of_history_a_lower_target_is_held()
    {
        // Just started: only a minute of runs is known.
        var decision = Policy().Decide(0m, currentReplicas: 3, Steady(1, 60), Now);

        Assert.Equal(ScalingAction.Held, decision.Action);
        Assert.Equal(3, decision.DesiredReplicas);
    }

    [Fact]
    public void The_window_length_comes_from_the_settings()
    {
        var history = Steady(1, 600);
        history.Add(new Recommendation(Now.AddSeconds(-50), 3));

        Assert.Equal(ScalingAction.Held, Policy(windowSeconds: 60).Decide(0m, 3, history, Now).Action);
        Assert.Equal(ScalingAction.Scaled, Policy(windowSeconds: 30).Decide(0m, 3, history, Now).Action);
    }

    [Fact]
    public void Replicas_above_the_budget_cap_come_down_without_waiting_for_the_score()
    {
        // An operator lowered the budget: 3 replicas are no longer affordable.
        var decision = Policy(budget: 20_000).Decide(5000m, currentReplicas: 3, Steady(2, 600), Now);

        Assert.Equal(new ReplicaDecision(2, 2, ScalingAction.Scaled), decision);
    }
}
