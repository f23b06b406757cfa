using Hangfire;
using Hangfire.Server;

namespace Kisei.Web.Screams;

/// <summary>
/// Scores one scream. A run that throws is retried after a short delay; each run spends one of the
/// scream's attempts, and the scorer marks the scream failed once they are used up, so the retries
/// Hangfire allows here are only a ceiling (<see cref="ScreamOptions.MaxScoringAttempts"/> is at most 20).
/// </summary>
public sealed class ScoreScreamJob(ScreamScorer scorer)
{
    /// <summary>The job parameter that counts this job's runs, so a run can tell it is taking over from one that died.</summary>
    private const string RunsParameter = "KiseiScoringRuns";

    /// <summary>Score jobs have a queue of their own, which workers take before the recurring ticks'.</summary>
    public const string Queue = "scoring";

    [Queue(Queue)]
    [AutomaticRetry(Attempts = 20, DelaysInSeconds = [1, 2, 5, 10, 30])]
    public async Task RunAsync(Guid screamId, PerformContext? context, CancellationToken cancellationToken)
    {
        // A job delivered again (its worker was killed, or it threw) owns the claim its earlier run left.
        var runs = context?.GetJobParameter<int>(RunsParameter) ?? 0;
        context?.SetJobParameter(RunsParameter, runs + 1);
        await scorer.ScoreAsync(screamId, recovering: runs > 0, cancellationToken);
    }
}
