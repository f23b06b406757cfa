using System.ComponentModel;
using Kisei.Web.Billing;
using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace Kisei.Web.Pages;

/// <summary>
/// What the money header shows every player alike: the latest cost-share snapshot with everyone's share, the latest
/// scaling reading and the players online. The jobs change them every few seconds at most, and the header says
/// when each was taken, so each replica reads them at most once per <see cref="StandingsBoard.MaxAge"/> for all its
/// pages and polls, instead of three queries per view (BENCHMARKS.md, "Pages while screams are scored").
/// </summary>
public sealed class MoneyHeaderReadings(IDbContextFactory<KiseiDbContext> contexts, HybridCache cache, TimeProvider time)
{
    public ValueTask<Latest> LatestAsync(CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync("kisei:money-header", this, static (self, token) => self.ReadAsync(token), StandingsBoard.Entry, cancellationToken: cancellationToken);

    private async ValueTask<Latest> ReadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var snapshot = await db.ShareSnapshots.AsNoTracking()
            .OrderByDescending(s => s.TakenAt)
            .ThenByDescending(s => s.Id)
            .Select(s => new LatestSnapshot(
                s.Id,
                s.TakenAt,
                s.Period,
                s.BillYen,
                s.ObservedReplicas,
                s.IsSimulated,
                s.Shares.Select(p => new SnapshotShare(p.PlayerId, p.Standing, p.ShareYen)).ToList()))
            .FirstOrDefaultAsync(cancellationToken);
        var scaling = await db.ScalingRuns.AsNoTracking()
            .Where(r => r.ObservedReplicas != null)
            .OrderByDescending(r => r.At)
            .Select(r => new LatestScaling(r.At, r.ObservedReplicas!.Value, r.IsSimulated))
            .FirstOrDefaultAsync(cancellationToken);
        var onlineSince = time.GetUtcNow() - MoneyHeader.OnlineWindow;
        var online = await db.Players.CountAsync(p => p.LastSeenAt >= onlineSince, cancellationToken);
        return new Latest(snapshot, scaling, online);
    }

    /// <summary>The readings as one replica last took them. Never changed once read.</summary>
    [ImmutableObject(true)]
    public sealed record Latest(LatestSnapshot? Snapshot, LatestScaling? Scaling, int PlayersOnline);

    /// <summary>The latest cost-share snapshot and every player's share in it.</summary>
    public sealed record LatestSnapshot(long Id, DateTimeOffset TakenAt, DateOnly Period, long BillYen, int ObservedReplicas, bool IsSimulated, IReadOnlyList<SnapshotShare> Shares);

    /// <summary>One player's standing and share in a snapshot.</summary>
    public sealed record SnapshotShare(long PlayerId, decimal Standing, long ShareYen);

    /// <summary>The latest scaling run that observed the replicas.</summary>
    public sealed record LatestScaling(DateTimeOffset At, int ObservedReplicas, bool IsSimulated);
}
