using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// Per-player upload limits (docs/design.md §1.2): screaming often pays, so uploads are capped per minute
/// and per day. Counted from the <see cref="UploadAttempt"/> ledger in the database, so every replica
/// sees the same count and deleting a scream gives no slot back.
/// </summary>
public sealed class UploadRateLimit(KiseiDbContext db, TimeProvider time, IOptions<ScreamOptions> options)
{
    /// <summary>How long retention keeps an attempt: the longest window, and a day to spare.</summary>
    public static readonly TimeSpan LedgerRetention = TimeSpan.FromDays(2);

    /// <summary>Null when the player may upload now; otherwise how long to wait.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(long playerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await WaitForAsync(playerId, now, TimeSpan.FromMinutes(1), options.Value.UploadsPerMinute, cancellationToken)
            ?? await WaitForAsync(playerId, now, TimeSpan.FromDays(1), options.Value.UploadsPerDay, cancellationToken);
    }

    /// <summary>Counts an accepted upload; the caller saves it with the scream, in one transaction.</summary>
    public void Record(long playerId, DateTimeOffset at) => db.UploadAttempts.Add(new UploadAttempt { PlayerId = playerId, At = at });

    private async Task<TimeSpan?> WaitForAsync(long playerId, DateTimeOffset now, TimeSpan window, int limit, CancellationToken cancellationToken)
    {
        // The limit-th newest upload inside the window decides when a slot frees up.
        var since = now - window;
        var blocking = await db.UploadAttempts
            .Where(a => a.PlayerId == playerId && a.At > since)
            .OrderByDescending(a => a.At)
            .Skip(limit - 1)
            .Select(a => (DateTimeOffset?)a.At)
            .FirstOrDefaultAsync(cancellationToken);
        if (blocking is null)
        {
            return null;
        }

        var wait = blocking.Value + window - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }
}
