using Hangfire;

namespace Kisei.Web.Screams;

/// <summary>
/// Puts screams on the score job, a Hangfire fire-and-forget job. Enqueueing one scream twice (the
/// upload and the recovery sweep racing) is harmless: the second run finds the scream claimed or
/// scored and does nothing (<see cref="ScreamScorer"/>).
/// </summary>
public sealed class ScoreDispatcher(IBackgroundJobClient jobs)
{
    /// <summary>Queues a score run for the scream and returns the Hangfire job's id.</summary>
    public string Enqueue(Guid screamId) =>
        jobs.Enqueue<ScoreScreamJob>(job => job.RunAsync(screamId, null, CancellationToken.None));
}
