using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Billing;

/// <summary>
/// A player's standing is the sum of their scored screams' scores in a billing period (docs/design.md §1.2,
/// the original's cumulative sum, reset each period). Players with a scored scream are active.
/// </summary>
public sealed class Standings(KiseiDbContext db)
{
    /// <summary>Every active player's standing in the period, highest first, ties by player id.</summary>
    public async Task<IReadOnlyList<Standing>> ForPeriodAsync(DateOnly period, CancellationToken cancellationToken)
    {
        var totals = Scored(period)
            .GroupBy(s => s.PlayerId)
            .Select(g => new { PlayerId = g.Key, Total = g.Sum(s => s.Score ?? 0m), Count = g.Count(), Best = g.Max(s => s.Score ?? 0m) });
        return await totals
            .Join(db.Players, t => t.PlayerId, p => p.Id, (t, p) => new { t.Total, t.Count, t.Best, p.Id, p.Login, p.AvatarUrl })
            .OrderByDescending(row => row.Total)
            .ThenBy(row => row.Id)
            .Select(row => new Standing(row.Id, row.Login, row.AvatarUrl, row.Total, row.Count, row.Best))
            .ToListAsync(cancellationToken);
    }

    /// <summary>S: the sum of every standing in the period.</summary>
    public async Task<decimal> TotalAsync(DateOnly period, CancellationToken cancellationToken) =>
        await Scored(period).SumAsync(s => s.Score ?? 0m, cancellationToken);

    /// <summary>One player's standing in the period; zero when they have not scored yet.</summary>
    public async Task<decimal> OfPlayerAsync(long playerId, DateOnly period, CancellationToken cancellationToken) =>
        await Scored(period).Where(s => s.PlayerId == playerId).SumAsync(s => s.Score ?? 0m, cancellationToken);

    /// <summary>
    /// One player's place in the period, as <see cref="ForPeriodAsync"/> orders it, counted in the database
    /// rather than by reading every standing: their total, their rank (null before a first score) and how many
    /// players are active.
    /// </summary>
    public async Task<Place> PlaceOfAsync(long playerId, DateOnly period, CancellationToken cancellationToken)
    {
        var totals = Scored(period).GroupBy(s => s.PlayerId).Select(g => new { PlayerId = g.Key, Total = g.Sum(s => s.Score ?? 0m) });
        var active = await totals.CountAsync(cancellationToken);
        var mine = await totals.Where(t => t.PlayerId == playerId).Select(t => (decimal?)t.Total).FirstOrDefaultAsync(cancellationToken);
        if (mine is not { } total)
        {
            return new Place(0m, null, active);
        }

        var ahead = await totals.CountAsync(t => t.Total > total || (t.Total == total && t.PlayerId < playerId), cancellationToken);
        return new Place(total, ahead + 1, active);
    }

    private IQueryable<Scream> Scored(DateOnly period) =>
        db.Screams.Where(s => s.Period == period && s.Status == ScreamStatus.Scored);
}

/// <summary>A player's total, their 1-based rank (null before a first score) and the active players' count.</summary>
public sealed record Place(decimal Total, int? Rank, int ActivePlayers);

/// <summary>One row of the standings.</summary>
public sealed record Standing(long PlayerId, string Login, string? AvatarUrl, decimal Total, int Screams, decimal Best);
