using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Pages;

/// <summary>
/// The landing page when signed out; when signed in, the money header (share, players online, pods, bill),
/// the recorder and the player's standing. The header is also the fragment htmx polls.
/// </summary>
public sealed class IndexModel(
    KiseiDbContext db,
    StandingsBoard standings,
    MoneyHeaderReadings readings,
    BillingPeriods periods,
    TimeProvider time,
    IOptions<ScreamOptions> options) : PageModel
{
    public bool SignedIn { get; private set; }

    public StandingCard Standing { get; private set; } = null!;

    public IReadOnlyList<RecentScream> Recent { get; private set; } = [];

    public MoneyHeader Header { get; private set; } = null!;

    public double MaxDurationSeconds => options.Value.MaxDurationSeconds;

    public double MinDurationSeconds => options.Value.MinDurationSeconds;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (User.TryGetPlayerId() is not { } playerId)
        {
            return;
        }

        SignedIn = true;
        var now = time.GetUtcNow();
        Header = await LoadHeaderAsync(playerId, now, cancellationToken);
        Standing = await LoadStandingAsync(playerId, periods.Of(now), cancellationToken);
        Recent = await LoadRecentAsync(playerId, cancellationToken);
    }

    /// <summary>The recent list alone, for htmx: it reloads when a result fragment reports a new score.</summary>
    public async Task<IActionResult> OnGetRecentAsync(CancellationToken cancellationToken) =>
        User.TryGetPlayerId() is { } playerId
            ? Partial("_Recent", await LoadRecentAsync(playerId, cancellationToken))
            : Content(string.Empty, "text/html; charset=utf-8");

    private Task<List<RecentScream>> LoadRecentAsync(long playerId, CancellationToken cancellationToken) =>
        db.Screams.AsNoTracking()
            .Where(s => s.PlayerId == playerId)
            .OrderByDescending(s => s.CreatedAt)
            .Take(10)
            .Select(s => new RecentScream(s.Id, s.CreatedAt, s.Status, s.Score, s.DurationSeconds))
            .ToListAsync(cancellationToken);

    /// <summary>The standing card alone, for htmx: it reloads when a result fragment reports a new score.</summary>
    public async Task<IActionResult> OnGetStandingAsync(CancellationToken cancellationToken) =>
        User.TryGetPlayerId() is { } playerId
            ? Partial("_Standing", await LoadStandingAsync(playerId, periods.Current, cancellationToken))
            : Content(string.Empty, "text/html; charset=utf-8");

    private async Task<StandingCard> LoadStandingAsync(long playerId, DateOnly period, CancellationToken cancellationToken)
    {
        var place = await standings.PlaceOfAsync(playerId, period, cancellationToken);
        return new StandingCard(period, place.Total, place.Rank, place.ActivePlayers);
    }

    /// <summary>
    /// The money header alone, for htmx; signed out, an empty answer that removes it and so stops the polling.
    /// <paramref name="seen"/> is the snapshot the page shows, so that only a new snapshot's fall in the share is animated.
    /// </summary>
    public async Task<IActionResult> OnGetStatusAsync(long? seen, CancellationToken cancellationToken)
    {
        if (User.TryGetPlayerId() is not { } playerId)
        {
            return Content(string.Empty, "text/html; charset=utf-8");
        }

        var header = await LoadHeaderAsync(playerId, time.GetUtcNow(), cancellationToken);
        if (seen is not null && header.SnapshotId != seen && header.History is [.., var before, var after] && before.ShareYen > after.ShareYen)
        {
            header = header with { ShareDropYen = before.ShareYen - after.ShareYen };
        }

        return Partial("_MoneyHeader", header);
    }

    private async Task<MoneyHeader> LoadHeaderAsync(long playerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var period = periods.Of(now);
        var (snapshot, run, online) = await readings.LatestAsync(cancellationToken);
        var history = await db.PlayerShares.AsNoTracking()
            .Where(p => p.PlayerId == playerId)
            .Join(db.ShareSnapshots.Where(s => s.Period == period), p => p.SnapshotId, s => s.Id, (p, s) => new { p.SnapshotId, s.TakenAt, p.ShareYen })
            .OrderByDescending(p => p.SnapshotId)
            .Take(MoneyHeader.HistoryLength)
            .ToListAsync(cancellationToken);

        // The replicas move between snapshots (the scaling job runs more often), so the newer reading wins.
        var (replicas, simulated) = run is not null && (snapshot is null || run.At > snapshot.TakenAt)
            ? ((int?)run.ObservedReplicas, run.IsSimulated)
            : (snapshot?.ObservedReplicas, snapshot?.IsSimulated ?? false);
        var share = snapshot?.Shares.FirstOrDefault(p => p.PlayerId == playerId)?.ShareYen;
        long? forecast = null;
        if (snapshot is { BillYen: var billYen } && snapshot.Period == period)
        {
            var standings = snapshot.Shares.Select(p => new PlayerStanding(p.PlayerId, p.Standing)).ToList();
            forecast = share is null
                ? ShareForecast.ShareWith(billYen, standings, playerId, MoneyHeader.ForecastPoints)
                : ShareForecast.Saving(billYen, standings, playerId, MoneyHeader.ForecastPoints);
        }

        return new MoneyHeader(
            period,
            snapshot?.Id,
            snapshot?.TakenAt,
            snapshot?.Period,
            snapshot?.BillYen,
            share,
            snapshot?.Shares.Count ?? 0,
            forecast,
            online,
            replicas,
            simulated,
            history.OrderBy(p => p.SnapshotId).Select(p => new SharePoint(p.TakenAt, p.ShareYen)).ToList());
    }

    /// <summary>One line of the player's own recent screams.</summary>
    public sealed record RecentScream(Guid Id, DateTimeOffset CreatedAt, ScreamStatus Status, decimal? Score, double? DurationSeconds);
}

/// <summary>The player's standing this period, and their rank among the active players (1-based; null before a first score).</summary>
public sealed record StandingCard(DateOnly Period, decimal Total, int? Rank, int ActivePlayers);
