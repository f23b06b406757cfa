using Kisei.Web.Billing;

namespace Kisei.Web.Tests.Billing;

/// <summary>The home page's "the next N points would save you" forecast: the cost-shares job's own split, re-run with more points.</summary>
public sealed class ShareForecastTests
{
    private static readonly PlayerStanding[] Three = [new(1, 300m), new(2, 150m), new(3, 50m)];

    [Fact]
    public void The_saving_is_the_difference_between_two_splits_of_the_same_bill()
    {
        // S = 500: player 3 pays 20000 · (1 − 50/500) / 2 = 9000; with 50 more, S = 550: 20000 · (1 − 100/550) / 2 = 8181.8…
        var now = CostSplitter.Split(20_000, Three).Single(s => s.PlayerId == 3).ShareYen;
        var after = ShareForecast.ShareWith(20_000, Three, playerId: 3, extraPoints: 50m);

        Assert.Equal(9_000, now);
        Assert.InRange(after, 8_181, 8_182);
        Assert.Equal(now - after, ShareForecast.Saving(20_000, Three, playerId: 3, extraPoints: 50m));
    }

    [Fact]
    public void A_player_outside_the_split_is_told_what_joining_would_cost()
    {
        // Joining with 50 points: S = 550, N = 4: 20000 · (1 − 50/550) / 3 = 6060.6…
        var joining = ShareForecast.ShareWith(20_000, Three, playerId: 4, extraPoints: 50m);

        Assert.InRange(joining, 6_060, 6_061);
    }

    [Fact]
    public void A_lone_player_saves_nothing_whatever_they_score()
    {
        Assert.Equal(0, ShareForecast.Saving(10_000, [new PlayerStanding(7, 12.5m)], playerId: 7, extraPoints: 50m));
    }

    [Fact]
    public void Asking_for_the_saving_of_a_player_outside_the_split_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => ShareForecast.Saving(20_000, Three, playerId: 9, extraPoints: 50m));
    }
}
