using Kisei.Web.Accounts;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Pages.Screams;

/// <summary>
/// /screams/{id}: the result. While pending, the status fragment polls itself with htmx and the
/// server stops the polling by returning the fragment without its trigger. Only the owner sees it;
/// anyone else gets 404, which does not reveal that the scream exists.
/// </summary>
[Authorize]
public sealed class DetailsModel(KiseiDbContext db, ScoreDispatcher dispatcher) : PageModel
{
    public ScreamView Scream { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    /// <summary>The fragment htmx polls. Once the scream is scored it tells the page (the standing card listens).</summary>
    public async Task<IActionResult> OnGetStatusAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (Scream.Status == ScreamStatus.Scored)
        {
            Response.Headers["HX-Trigger"] = "kisei-scored";
        }

        return Partial("_ScreamResult", Scream);
    }

    /// <summary>A failed scream goes back on the score job.</summary>
    public async Task<IActionResult> OnPostRetryAsync(Guid id, CancellationToken cancellationToken)
    {
        var playerId = User.GetPlayerId();
        var reset = await db.Screams
            .Where(s => s.Id == id && s.PlayerId == playerId && s.Status == ScreamStatus.Failed && s.Audio != null)
            .ExecuteUpdateAsync(
                update => update
                    .SetProperty(s => s.Status, ScreamStatus.Pending)
                    .SetProperty(s => s.Attempts, 0)
                    .SetProperty(s => s.ScoringStartedAt, (DateTimeOffset?)null)
                    .SetProperty(s => s.FailureReason, (string?)null),
                cancellationToken);
        if (reset == 0)
        {
            return NotFound();
        }

        dispatcher.Enqueue(id);
        return Request.Headers.ContainsKey("HX-Request") ? await OnGetStatusAsync(id, cancellationToken) : RedirectToPage(new { id });
    }

    /// <summary>The owner deletes the scream and its audio; its score leaves their standing.</summary>
    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var playerId = User.GetPlayerId();
        var deleted = await db.Screams.Where(s => s.Id == id && s.PlayerId == playerId).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? NotFound() : LocalRedirect("/");
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var playerId = User.GetPlayerId();
        var scream = await db.Screams.AsNoTracking()
            .Where(s => s.Id == id && s.PlayerId == playerId)
            .Select(ScreamView.FromScream)
            .SingleOrDefaultAsync(cancellationToken);
        if (scream is null)
        {
            return false;
        }

        Scream = scream;
        return true;
    }
}
