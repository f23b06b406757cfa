using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// Per-player upload limits (DESIGN §1.2): screaming often pays, so uploads are capped per minute
/// and per day. Counted from the stored screams, so every replica sees the same count.
/// </summary>
public sealed class UploadRateLimit(KiseiDbContext db, TimeProvider time, IOptions<ScreamOptions> options)
{
    /// <summary>Null when the player may upload now; otherwise how long to wait.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(long playerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await WaitForAsync(playerId, now, TimeSpan.FromMinutes(1), options.Value.UploadsPerMinute, cancellationToken)
            ?? await WaitForAsync(playerId, now, TimeSpan.FromDays(1), options.Value.UploadsPerDay, cancellationToken);
    }

    private async Task<TimeSpan?> WaitForAsync(long playerId, DateTimeOffset now, TimeSpan window, int limit, CancellationToken cancellationToken)
    {
        // The limit-th newest upload inside the window decides when a slot frees up.
        var since = now - window;
        var blocking = await db.Screams
            .Where(s => s.PlayerId == playerId && s.CreatedAt > since)
            .OrderByDescending(s => s.CreatedAt)
            .Skip(limit - 1)
            .Select(s => (DateTimeOffset?)s.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (blocking is null)
        {
            return null;
        }

        var wait = blocking.Value + window - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }
}
