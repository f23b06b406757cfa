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

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Period = periods.Current;
        Standings = await standings.ForPeriodAsync(Period, cancellationToken);
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
