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
        var totals = Scored(db, period)
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
        await Scored(db, period).SumAsync(s => s.Score ?? 0m, cancellationToken);

    /// <summary>One player's standing in the period; zero when they have not scored yet.</summary>
    public async Task<decimal> OfPlayerAsync(long playerId, DateOnly period, CancellationToken cancellationToken) =>
        await Scored(db, period).Where(s => s.PlayerId == playerId).SumAsync(s => s.Score ?? 0m, cancellationToken);

    /// <summary>Every active player's total in the period, in no particular order.</summary>
    public static IQueryable<PlayerTotal> TotalsIn(KiseiDbContext db, DateOnly period)
    {
        ArgumentNullException.ThrowIfNull(db);
        return Scored(db, period)
            .GroupBy(s => s.PlayerId)
            .Select(g => new PlayerTotal { PlayerId = g.Key, Total = g.Sum(s => s.Score ?? 0m) });
    }

    private static IQueryable<Scream> Scored(KiseiDbContext db, DateOnly period) =>
        db.Screams.Where(s => s.Period == period && s.Status == ScreamStatus.Scored);
}

/// <summary>A player's total, their 1-based rank (null before a first score) and the active players' count (<see cref="StandingsBoard"/>).</summary>
public sealed record Place(decimal Total, int? Rank, int ActivePlayers);

/// <summary>One row of the standings.</summary>
public sealed record Standing(long PlayerId, string Login, string? AvatarUrl, decimal Total, int Screams, decimal Best);
