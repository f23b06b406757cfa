using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Pages.Screams;

/// <summary>
/// /s/{token}: a result its owner chose to share — the score, the breakdown and the waveform, and the
/// audio only if the owner said so. Nothing else of the player: no name, no standing, no other scream.
/// An unknown or revoked token is 404.
/// </summary>
[AllowAnonymous]
public sealed class SharedModel(KiseiDbContext db) : PageModel
{
    public ScreamResult Result { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken)
    {
        var scream = await FindAsync(token).Select(ScreamView.FromScream).SingleOrDefaultAsync(cancellationToken);
        if (scream is null)
        {
            return NotFound();
        }

        // The owner's choices about the file name and the failure text are not the visitor's business.
        scream = scream with { FileName = null, PlayerId = 0 };
        Result = new ScreamResult(scream, null, scream is { ShareAudio: true, HasAudio: true } ? $"/s/{token}?handler=Audio" : null, null);
        return Page();
    }

    /// <summary>The audio, only when the owner shared it too.</summary>
    public async Task<IActionResult> OnGetAudioAsync(string token, CancellationToken cancellationToken)
    {
        var wav = await FindAsync(token).Where(s => s.ShareAudio).Select(s => s.Audio!.Wav).SingleOrDefaultAsync(cancellationToken);
        return wav is null ? NotFound() : new FileContentResult(wav, "audio/wav") { EnableRangeProcessing = true };
    }

    /// <summary>The link preview's image (<c>og:image</c>): the waveform and the score's meter, as a PNG.</summary>
    public async Task<IActionResult> OnGetCardAsync(string token, CancellationToken cancellationToken)
    {
        var card = await FindAsync(token).Select(s => new { s.Envelope, s.Score }).SingleOrDefaultAsync(cancellationToken);
        if (card is null)
        {
            return NotFound();
        }

        // Previews are fetched by other sites' crawlers; an hour keeps a revoked link's image from lingering long.
        Response.Headers.CacheControl = "public, max-age=3600";
        return File(ShareCard.Render(card.Envelope, card.Score ?? 0m), "image/png");
    }

    private IQueryable<Scream> FindAsync(string token) =>
        db.Screams.AsNoTracking().Where(s => s.ShareToken == token && s.Status == ScreamStatus.Scored);
}
