using Hangfire;
using Hangfire.Server;

namespace Kisei.Web.Screams;

/// <summary>
/// Scores one scream. A run that throws is retried after a short delay; each run spends one of the
/// scream's attempts, and the scorer marks the scream failed once they are used up, so the retries
/// Hangfire allows here are only a ceiling (<see cref="ScreamOptions.MaxScoringAttempts"/> is at most 20).
/// </summary>
public sealed class ScoreScreamJob(ScreamScorer scorer, ScoreBulletin bulletin, TimeProvider time)
{
    /// <summary>
    /// The job parameter that holds the stamp of this job's last claim (UTC ticks), so a run delivered again
    /// after its worker died takes over that claim, and no other: the same scream can have two jobs (the
    /// upload's and the recovery sweep's), and a run must not take over the claim of the other's live run.
    /// </summary>
    private const string ClaimParameter = "KiseiScoringClaim";

    /// <summary>Score jobs have a queue of their own, which workers take before the recurring ticks'.</summary>
    public const string Queue = "scoring";

    [Queue(Queue)]
    [AutomaticRetry(Attempts = 20, DelaysInSeconds = [1, 2, 5, 10, 30])]
    public async Task RunAsync(Guid screamId, PerformContext? context, CancellationToken cancellationToken)
    {
        // The stamp is stored before the claim is written: a worker killed in between (even with its claim
        // still on its way to the database) leaves a claim its job's next delivery recognises.
        var earlier = context?.GetJobParameter<long?>(ClaimParameter);
        var claim = ScoringClaim.Now(time, earlier is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null);
        context?.SetJobParameter(ClaimParameter, claim.At.UtcTicks);
        try
        {
            await scorer.ScoreAsync(screamId, claim, cancellationToken);
        }
        finally
        {
            bulletin.Announce(screamId); // the player's page, waiting on this replica, looks at once
        }
    }
}
