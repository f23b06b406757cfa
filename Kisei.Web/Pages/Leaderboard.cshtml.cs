using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Pages;

/// <summary>/leaderboard: this period's standings and its loudest screams. Public.</summary>
public sealed class LeaderboardModel(KiseiDbContext db, Standings standings, BillingPeriods periods) : PageModel
{
    public DateOnly Period { get; private set; }

    public IReadOnlyList<Standing> Standings { get; private set; } = [];

    public IReadOnlyList<TopScream> TopScreams { get; private set; } = [];

    /// <summary>Each player's share in the period's latest cost-share snapshot, by player id.</summary>
    public IReadOnlyDictionary<long, long> SharesYen { get; private set; } = new Dictionary<long, long>();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Period = periods.Current;
        Standings = await standings.ForPeriodAsync(Period, cancellationToken);
        var latest = db.ShareSnapshots.Where(s => s.Period == Period).OrderByDescending(s => s.TakenAt).ThenByDescending(s => s.Id).Select(s => s.Id).Take(1);
        SharesYen = await db.PlayerShares.AsNoTracking()
            .Where(p => latest.Contains(p.SnapshotId))
            .ToDictionaryAsync(p => p.PlayerId, p => p.ShareYen, cancellationToken);
        TopScreams = await db.Screams.AsNoTracking()
            .Where(s => s.Period == Period && s.Status == ScreamStatus.Scored)
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.CreatedAt)
            .Take(10)
            .Join(db.Players, s => s.PlayerId, p => p.Id, (s, p) => new TopScream(p.Login, p.AvatarUrl, s.Score ?? 0m, s.DurationSeconds ?? 0, s.Recognizer, s.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>One of the period's best screams.</summary>
    public sealed record TopScream(string Login, string? AvatarUrl, decimal Score, double DurationSeconds, string? Recognizer, DateTimeOffset CreatedAt);
}
