using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Pages;

/// <summary>The landing page when signed out; the recorder and the player's standing when signed in.</summary>
public sealed class IndexModel(KiseiDbContext db, Standings standings, BillingPeriods periods, IOptions<ScreamOptions> options) : PageModel
{
    public bool SignedIn { get; private set; }

    public DateOnly Period { get; private set; }

    public decimal Standing { get; private set; }

    /// <summary>1-based rank among active players, or null before the first scored scream.</summary>
    public int? Rank { get; private set; }

    public int ActivePlayers { get; private set; }

    public IReadOnlyList<RecentScream> Recent { get; private set; } = [];

    public double MaxDurationSeconds => options.Value.MaxDurationSeconds;

    public double MinDurationSeconds => options.Value.MinDurationSeconds;

    public int MaxUploadBytes => options.Value.MaxUploadBytes;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (User.TryGetPlayerId() is not { } playerId)
        {
            return;
        }

        SignedIn = true;
        Period = periods.Current;
        var table = await standings.ForPeriodAsync(Period, cancellationToken);
        ActivePlayers = table.Count;
        var index = table.ToList().FindIndex(s => s.PlayerId == playerId);
        Rank = index >= 0 ? index + 1 : null;
        Standing = index >= 0 ? table[index].Total : 0m;
        Recent = await db.Screams.AsNoTracking()
            .Where(s => s.PlayerId == playerId)
            .OrderByDescending(s => s.CreatedAt)
            .Take(10)
            .Select(s => new RecentScream(s.Id, s.CreatedAt, s.Status, s.Score, s.DurationSeconds))
            .ToListAsync(cancellationToken);
    }

    /// <summary>One line of the player's own recent screams.</summary>
    public sealed record RecentScream(Guid Id, DateTimeOffset CreatedAt, ScreamStatus Status, decimal? Score, double? DurationSeconds);
}
