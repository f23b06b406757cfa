namespace Kisei.Web.Billing;

/// <summary>
/// What a player's share of a snapshot's bill would be with more points, by the same split as the
/// cost-shares job (<see cref="CostSplitter"/>), so the page's "the next N points would save you"
/// is exact, rounding included.
/// </summary>
public static class ShareForecast
{
    /// <summary>
    /// The player's share of <paramref name="billYen"/> if their standing were <paramref name="extraPoints"/>
    /// higher, the others unchanged; a player not among <paramref name="standings"/> joins with that many points.
    /// </summary>
    public static long ShareWith(long billYen, IReadOnlyList<PlayerStanding> standings, long playerId, decimal extraPoints)
    {
        ArgumentNullException.ThrowIfNull(standings);
        ArgumentOutOfRangeException.ThrowIfNegative(extraPoints);
        var current = standings.FirstOrDefault(s => s.PlayerId == playerId)?.Standing ?? 0m;
        var changed = standings.Where(s => s.PlayerId != playerId).Append(new PlayerStanding(playerId, current + extraPoints)).ToArray();
        return CostSplitter.Split(billYen, changed).Single(s => s.PlayerId == playerId).ShareYen;
    }

    /// <summary>How many yen <paramref name="extraPoints"/> more would take off the player's current share (never negative).</summary>
    public static long Saving(long billYen, IReadOnlyList<PlayerStanding> standings, long playerId, decimal extraPoints)
    {
        ArgumentNullException.ThrowIfNull(standings);
        var now = CostSplitter.Split(billYen, standings).SingleOrDefault(s => s.PlayerId == playerId)?.ShareYen
            ?? throw new ArgumentException("The player is not among the standings.", nameof(playerId));
        return Math.Max(0, now - ShareWith(billYen, standings, playerId, extraPoints));
    }
}
