using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// Makes sure no scream stays pending forever (docs/design.md). A scream whose score run was never
/// queued (the process died between commit and enqueue), or whose run died with its claim and was
/// not delivered again, is queued again; one that has used up its attempts is marked failed, so the player can retry it.
/// </summary>
/// <remarks>
/// Racing an upload that is about to queue its own scream is harmless: a second run finds the scream
/// claimed or scored and does nothing.
/// </remarks>
public sealed class PendingScreamRecovery(
    KiseiDbContext db,
    ScoreDispatcher dispatcher,
    TimeProvider time,
    IOptions<ScreamOptions> options,
    ILogger<PendingScreamRecovery> logger)
{
    /// <summary>Queues lost runs and gives up on exhausted screams; returns how many it queued.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var staleClaim = now - ScreamScorer.ClaimLease;
        var maxAttempts = options.Value.MaxScoringAttempts;

        var lost = db.Screams.Where(s => s.Status == ScreamStatus.Pending && (s.ScoringStartedAt == null || s.ScoringStartedAt < staleClaim));
        var givenUp = await lost
            .Where(s => s.Attempts >= maxAttempts)
            .ExecuteUpdateAsync(
                update => update
                    .SetProperty(s => s.Status, ScreamStatus.Failed)
                    .SetProperty(s => s.FailureReason, ScreamScorer.ExhaustedReason(maxAttempts)),
                cancellationToken);
        if (givenUp > 0)
        {
            logger.LogWarning("Gave up on {Count} screams after {MaxAttempts} attempts", givenUp, maxAttempts);
        }

        var candidates = await lost
            .OrderBy(s => s.CreatedAt)
            .Select(s => s.Id)
            .Take(500)
            .ToListAsync(cancellationToken);

        foreach (var screamId in candidates)
        {
            dispatcher.Enqueue(screamId);
        }

        var queued = candidates.Count;
        if (queued > 0)
        {
            logger.LogInformation("Queued {Count} pending screams whose score run was lost", queued);
        }

        return queued;
    }
}
