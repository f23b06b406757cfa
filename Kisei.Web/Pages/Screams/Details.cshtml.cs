using System.Security.Cryptography;
using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Pages.Screams;

/// <summary>
/// /screams/{id}: the result. While pending, the status fragment asks again with htmx as soon as it is
/// loaded, and the server holds each such request until the run ends (a long poll); it stops the loop
/// by returning the fragment without its trigger. Only the owner sees it;
/// anyone else gets 404, which does not reveal that the scream exists. The owner can replay the
/// audio while retention keeps it, and share the result by a public link, or take the link back.
/// </summary>
[Authorize]
public sealed class DetailsModel(
    KiseiDbContext db,
    ScoreDispatcher dispatcher,
    ScoreBulletin bulletin,
    StandingsBoard standings,
    BillingPeriods periods,
    IOptions<RetentionOptions> retention) : PageModel
{
    public ScreamResult Result { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    /// <summary>
    /// How long one long poll is held before the pending fragment is answered and asks again; shorter than
    /// the fragment's fallback poll (15 s), which therefore fires only after a failed request.
    /// </summary>
    public static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The fragment htmx polls. With <paramref name="wait"/>, a pending scream's answer waits for its run to
    /// end, at most <see cref="LongPoll"/>. Once the scream is scored it tells the page (the standing card
    /// and the recent list listen).
    /// </summary>
    public async Task<IActionResult> OnGetStatusAsync(Guid id, bool wait, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (wait && Result.Scream.IsPending)
        {
            var settled = await bulletin.WaitAsync(
                id,
                async ct => !await db.Screams.AnyAsync(s => s.Id == id && s.Status == ScreamStatus.Pending, ct), // scored, failed or deleted
                LongPoll,
                cancellationToken);
            if (settled && !await LoadAsync(id, cancellationToken))
            {
                return NotFound(); // deleted meanwhile
            }
        }

        if (Result.Scream.Status == ScreamStatus.Scored)
        {
            Response.Headers["HX-Trigger"] = "kisei-scored";
        }

        return Partial("_ScreamResult", Result);
    }

    /// <summary>The owner's recording, while retention keeps it.</summary>
    public async Task<IActionResult> OnGetAudioAsync(Guid id, CancellationToken cancellationToken)
    {
        var playerId = User.GetPlayerId();
        var wav = await db.ScreamAudio.AsNoTracking()
            .Where(a => a.ScreamId == id && db.Screams.Any(s => s.Id == id && s.PlayerId == playerId))
            .Select(a => a.Wav)
            .SingleOrDefaultAsync(cancellationToken);
        return wav is null ? NotFound() : new FileContentResult(wav, "audio/wav") { EnableRangeProcessing = true };
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
        return Request.Headers.ContainsKey("HX-Request") ? await OnGetStatusAsync(id, wait: false, cancellationToken) : RedirectToPage(new { id });
    }

    /// <summary>
    /// Shares a scored result by a public link (a new random token unless one exists), with or without
    /// its audio as the owner chooses.
    /// </summary>
    public async Task<IActionResult> OnPostShareAsync(Guid id, bool withAudio, CancellationToken cancellationToken)
    {
        var playerId = User.GetPlayerId();
        var scream = await db.Screams.SingleOrDefaultAsync(s => s.Id == id && s.PlayerId == playerId && s.Status == ScreamStatus.Scored, cancellationToken);
        if (scream is null)
        {
            return NotFound();
        }

        scream.ShareToken ??= RandomNumberGenerator.GetHexString(32, lowercase: true);
        scream.ShareAudio = withAudio;
        await db.SaveChangesAsync(cancellationToken);
        return RedirectToPage(new { id });
    }

    /// <summary>Takes the public link back: the old link answers 404 from now on.</summary>
    public async Task<IActionResult> OnPostUnshareAsync(Guid id, CancellationToken cancellationToken)
    {
        var playerId = User.GetPlayerId();
        var changed = await db.Screams
            .Where(s => s.Id == id && s.PlayerId == playerId)
            .ExecuteUpdateAsync(update => update.SetProperty(s => s.ShareToken, (string?)null).SetProperty(s => s.ShareAudio, false), cancellationToken);
        return changed == 0 ? NotFound() : RedirectToPage(new { id });
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

        OwnerPart owner;
        if (scream is { Status: ScreamStatus.Scored, Score: { } score })
        {
            var earlierBest = await db.Screams
                .Where(s => s.PlayerId == playerId && s.Id != id && s.Status == ScreamStatus.Scored && s.CreatedAt < scream.CreatedAt)
                .MaxAsync(s => s.Score, cancellationToken);
            var period = periods.Current;
            var place = await standings.PlaceOfAsync(playerId, period, cancellationToken);
            owner = new OwnerPart(
                earlierBest is null || score > earlierBest,
                periods.Of(scream.CreatedAt) == period ? place.Rank : null,
                place.ActivePlayers,
                scream.ShareToken is { } token ? $"{Request.Scheme}://{Request.Host}/s/{token}" : null);
        }
        else
        {
            owner = new OwnerPart(false, null, 0, null);
        }

        Result = new ScreamResult(
            scream,
            owner,
            scream.HasAudio ? $"/screams/{id}?handler=Audio" : null,
            scream.HasAudio && scream.Status != ScreamStatus.Pending ? scream.CreatedAt.AddDays(retention.Value.AudioRetentionDays) : null);
        return true;
    }
}
