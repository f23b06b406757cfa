using Kisei.Web.Billing;

namespace Kisei.Web.Tests.Billing;

public sealed class CostSplitterTests
{
    [Fact]
    public void Nobody_active_means_no_shares() =>
        Assert.Empty(CostSplitter.Split(10_000, []));

    [Fact]
    public void A_single_player_pays_the_whole_bill()
    {
        var shares = CostSplitter.Split(10_000, [new PlayerStanding(7, 123.4m)]);

        Assert.Equal(10_000, Assert.Single(shares).ShareYen);
    }

    [Fact]
    public void All_zero_standings_split_equally_with_the_odd_yen_to_the_lowest_ids()
    {
        var shares = CostSplitter.Split(10_000, [new(3, 0m), new(1, 0m), new(2, 0m)]);

        Assert.Equal([1L, 2L, 3L], shares.Select(s => s.PlayerId));
        Assert.Equal([3334L, 3333L, 3333L], shares.Select(s => s.ShareYen));
    }

    [Fact]
    public void Two_players_pay_the_other_ones_fraction_of_the_total()
    {
        // share_i = bill · (1 − s_i/S) / (N − 1): 10000 · (1 − 30/40) = 2500 and 10000 · (1 − 10/40) = 7500.
        var shares = CostSplitter.Split(10_000, [new(1, 30m), new(2, 10m)]);

        Assert.Equal([2500L, 7500L], shares.Select(s => s.ShareYen));
    }

    [Fact]
    public void Three_players_follow_the_formula_exactly_when_it_divides()
    {
        // S = 100, N − 1 = 2: 60 → 12000·0.4/2 = 2400; 30 → 12000·0.7/2 = 4200; 10 → 12000·0.9/2 = 5400.
        var shares = CostSplitter.Split(12_000, [new(1, 60m), new(2, 30m), new(3, 10m)]);

        Assert.Equal([2400L, 4200L, 5400L], shares.Select(s => s.ShareYen));
    }

    [Fact]
    public void Shares_add_up_to_the_bill_when_scores_tie()
    {
        var shares = CostSplitter.Split(10_001, [new(1, 50.5m), new(2, 50.5m), new(3, 50.5m), new(4, 20m)]);

        Assert.Equal(10_001, shares.Sum(s => s.ShareYen));
        Assert.True(shares[0].ShareYen - shares[2].ShareYen is 0 or 1, "tied players differ by at most the odd yen");
        Assert.True(shares[3].ShareYen > shares[0].ShareYen);
    }

    [Fact]
    public void A_player_listed_twice_is_refused() =>
        Assert.Throws<ArgumentException>(() => CostSplitter.Split(100, [new(1, 1m), new(1, 2m)]));

    /// <summary>
    /// Property: for random standings (zeros, ties, single players, huge numbers) the shares are never
    /// negative, add up exactly to the bill, and a higher standing never pays more.
    /// </summary>
    [Fact]
    public void Random_standings_keep_the_three_properties()
    {
        var random = new Random(20261121);
        for (var run = 0; run < 3000; run++)
        {
            var bill = run % 7 == 0 ? random.NextInt64(0, 1_000_000_000_000) : random.NextInt64(0, 200_000);
            var count = run % 11 == 0 ? 1 : random.Next(1, 40);
            var standings = new List<PlayerStanding>();
            var ids = new HashSet<long>();
            while (standings.Count < count)
            {
                var id = random.NextInt64(1, 1_000_000);
                if (!ids.Add(id))
                {
                    continue;
                }

                standings.Add(new PlayerStanding(id, RandomStanding(random, run)));
            }

            var shares = CostSplitter.Split(bill, standings);

            Assert.Equal(count, shares.Count);
            Assert.All(shares, share => Assert.True(share.ShareYen >= 0, $"run {run}: negative share"));
            Assert.Equal(bill, shares.Sum(s => s.ShareYen));
            foreach (var higher in shares)
            {
                foreach (var lower in shares)
                {
                    if (higher.Standing > lower.Standing)
                    {
                        Assert.True(higher.ShareYen <= lower.ShareYen, $"run {run}: {higher} pays more than {lower}");
                    }
                }
            }
        }
    }

    private static decimal RandomStanding(Random random, int run) => (run % 5) switch
    {
        0 => 0m,                                                   // nobody scored above zero
        1 => random.Next(0, 3) * 50m,                              // many ties
        2 => random.NextInt64(0, 10_000_000_000_000) / 10m,        // huge sums
        _ => random.Next(0, 10_000) / 10m,                         // ordinary
    };
}
