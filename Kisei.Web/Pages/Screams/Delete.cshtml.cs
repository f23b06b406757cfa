using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Pages.Screams;

/// <summary>
/// /screams/{id}/delete: deleting asks first and says what it does to the player's standing. Only a
/// POST that carries the confirmation deletes; anything else deletes nothing. Owner only (404 otherwise).
/// </summary>
[Authorize]
public sealed class DeleteModel(KiseiDbContext db, StandingsBoard standings, BillingPeriods periods) : PageModel
{
    /// <summary>The value the confirming form sends as <c>confirm</c>.</summary>
    public const string Confirmation = "yes";

    public Guid Id { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public decimal? Score { get; private set; }

    /// <summary>The player's standing this period now, and without this scream; null when the scream does not count in it.</summary>
    public (decimal Now, decimal After)? StandingChange { get; private set; }

    /// <summary>Set when a POST came without the confirmation.</summary>
    public bool NotConfirmed { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(Guid id, string? confirm, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (confirm != Confirmation)
        {
            NotConfirmed = true;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var playerId = User.GetPlayerId();
        await db.Screams.Where(s => s.Id == id && s.PlayerId == playerId).ExecuteDeleteAsync(cancellationToken);
        return LocalRedirect("/");
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var playerId = User.GetPlayerId();
        var scream = await db.Screams.AsNoTracking()
            .Where(s => s.Id == id && s.PlayerId == playerId)
            .Select(s => new { s.CreatedAt, s.Period, s.Status, s.Score })
            .SingleOrDefaultAsync(cancellationToken);
        if (scream is null)
        {
            return false;
        }

        Id = id;
        CreatedAt = scream.CreatedAt;
        Score = scream.Status == ScreamStatus.Scored ? scream.Score : null;
        var period = periods.Current;
        if (Score is { } score && scream.Period == period)
        {
            var place = await standings.PlaceOfAsync(playerId, period, cancellationToken);
            StandingChange = (place.Total, place.Total - score);
        }

        return true;
    }
}
