namespace Kisei.Web.Billing;

/// <summary>
/// Splits the bill between the active players (docs/design.md §1.3): high scorers pay less, and the shares
/// always add up to the bill exactly.
/// </summary>
/// <remarks>
/// The original charged <c>bill · (1 − s_i/S)</c> to every player, so together they paid N − 1 bills.
/// Here <c>share_i = bill · (1 − s_i/S) / (N − 1)</c>, which sums to one bill. The shares are exact
/// fractions (standings are counted in tenths of a point, as scores are stored), rounded down to the
/// yen; the yen left over go one each to the largest remainders, ties to the lower player id.
/// </remarks>
public static class CostSplitter
{
    /// <summary>Each active player's share of <paramref name="billYen"/>, in player id order.</summary>
    public static IReadOnlyList<CostShare> Split(long billYen, IReadOnlyList<PlayerStanding> standings)
    {
        ArgumentNullException.ThrowIfNull(standings);
        ArgumentOutOfRangeException.ThrowIfNegative(billYen);
        if (standings.Count == 0)
        {
            return [];
        }

        var players = standings.OrderBy(s => s.PlayerId).ToArray();
        if (players.Select(p => p.PlayerId).Distinct().Count() != players.Length)
        {
            throw new ArgumentException("Each player may appear once.", nameof(standings));
        }

        var tenths = new Int128[players.Length];
        Int128 total = 0;
        for (var i = 0; i < players.Length; i++)
        {
            if (players[i].Standing < 0)
            {
                throw new ArgumentException("Standings are never negative: scores are clamped to [0, 100].", nameof(standings));
            }

            tenths[i] = (Int128)decimal.Round(players[i].Standing * 10m, 0, MidpointRounding.AwayFromZero);
            total += tenths[i];
        }

        // share_i = numerator_i / denominator, exactly.
        var numerators = new Int128[players.Length];
        Int128 denominator;
        if (players.Length == 1)
        {
            numerators[0] = billYen;
            denominator = 1;
        }
        else if (total == 0)
        {
            Array.Fill(numerators, billYen);
            denominator = players.Length;
        }
        else
        {
            for (var i = 0; i < players.Length; i++)
            {
                numerators[i] = billYen * (total - tenths[i]);
            }

            denominator = total * (players.Length - 1);
        }

        var shares = new long[players.Length];
        var remainders = new Int128[players.Length];
        long assigned = 0;
        for (var i = 0; i < players.Length; i++)
        {
            shares[i] = (long)(numerators[i] / denominator);
            remainders[i] = numerators[i] % denominator;
            assigned += shares[i];
        }

        // Largest remainder: the yen lost to rounding down go to the largest fractions first.
        var leftover = billYen - assigned;
        var order = Enumerable.Range(0, players.Length)
            .OrderByDescending(i => remainders[i])
            .ThenBy(i => players[i].PlayerId)
            .Take((int)leftover);
        foreach (var i in order)
        {
            shares[i]++;
        }

        return players.Select((p, i) => new CostShare(p.PlayerId, p.Standing, shares[i])).ToArray();
    }
}

/// <summary>An active player's standing: the sum of their scores this period.</summary>
public sealed record PlayerStanding(long PlayerId, decimal Standing);

/// <summary>What one player pays of the bill, in whole yen.</summary>
public sealed record CostShare(long PlayerId, decimal Standing, long ShareYen);
