using System.ComponentModel;
using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace Kisei.Web.Billing;

/// <summary>
/// A player's place in a period for the pages, without adding up the whole period on every view. The player's
/// own total is read live, so their new score shows at once. The other players' totals come from a table of the
/// period's standings that each replica reads at most once per <see cref="MaxAge"/> (HybridCache runs one read
/// for all the requests waiting on it), so another player's score moves a rank up to that much later. A view
/// costs one small query instead of three passes over the period's screams (BENCHMARKS.md, "Pages while
/// screams are scored").
/// </summary>
public sealed class StandingsBoard(IDbContextFactory<KiseiDbContext> contexts, HybridCache cache)
{
    /// <summary>How old the other players' totals may be.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    internal static readonly HybridCacheEntryOptions Entry = new()
    {
        Expiration = MaxAge,
        LocalCacheExpiration = MaxAge,
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    /// <summary>The player's total, their rank as <see cref="Standings.ForPeriodAsync"/> orders the standings (null before
    /// a first score) and how many players are active.</summary>
    public async Task<Place> PlaceOfAsync(long playerId, DateOnly period, CancellationToken cancellationToken)
    {
        var table = await cache.GetOrCreateAsync(
            $"kisei:standings:{period:yyyy-MM}",
            (contexts, period),
            static (state, token) => ReadAsync(state.contexts, state.period, token),
            Entry,
            cancellationToken: cancellationToken);
        decimal? mine;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            mine = await Standings.TotalsIn(db, period)
                .Where(t => t.PlayerId == playerId)
                .Select(t => (decimal?)t.Total)
                .FirstOrDefaultAsync(cancellationToken);
        }

        var active = mine is null ? 0 : 1;
        var ahead = 0;
        foreach (var other in table.Totals)
        {
            if (other.PlayerId == playerId)
                continue;
            active++;
            if (mine is { } total && (other.Total > total || (other.Total == total && other.PlayerId < playerId)))
                ahead++;
        }

        return mine is { } own ? new Place(own, ahead + 1, active) : new Place(0m, null, active);
    }

    private static async ValueTask<PeriodTotals> ReadAsync(IDbContextFactory<KiseiDbContext> contexts, DateOnly period, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return new PeriodTotals(await Standings.TotalsIn(db, period).ToListAsync(cancellationToken));
    }

    /// <summary>Every active player's total in a period, as one replica last read it. Never changed once read.</summary>
    [ImmutableObject(true)]
    public sealed record PeriodTotals(IReadOnlyList<PlayerTotal> Totals);
}

/// <summary>One active player's total in a period.</summary>
public sealed record PlayerTotal
{
    public required long PlayerId { get; init; }

    public required decimal Total { get; init; }
}
