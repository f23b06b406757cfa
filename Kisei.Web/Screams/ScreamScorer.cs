using System.Diagnostics;
using Kisei.Web.Audio;
using Kisei.Web.Data;
using Kisei.Web.Metrics;
using Kisei.Web.Speech;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// Runs the pipeline on a stored scream and records the result. Safe to call more than once and
/// from several replicas: a run first claims the scream, and only a pending scream that is unclaimed,
/// whose last claim is older than <see cref="ClaimLease"/>, or whose claim the run's own job left (its
/// worker died) can be claimed. Every claim uses an attempt, even one taking over, so a clip that takes
/// its process down is tried at most <see cref="ScreamOptions.MaxScoringAttempts"/> times. A run that finds the attempts used up marks the
/// scream failed, so the player can retry it; so does <see cref="PendingScreamRecovery"/> for a scream
/// no run is coming for.
/// A player may delete the scream at any moment of a run; the run then stores nothing and ends as
/// <see cref="ScoreOutcome.Skipped"/>, not as a failure.
/// </summary>
public sealed class ScreamScorer(
    KiseiDbContext db,
    ScreamAnalyzer analyzer,
    KiseiMetrics metrics,
    TimeProvider time,
    IOptions<ScreamOptions> options,
    ILogger<ScreamScorer> logger)
{
    /// <summary>How long a claim protects a run from a second one; far longer than scoring takes.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    /// <summary>Scores the scream under <paramref name="claim"/>.</summary>
    public async Task<ScoreOutcome> ScoreAsync(Guid screamId, ScoringClaim claim, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var staleBefore = time.GetUtcNow() - ClaimLease;
        var maxAttempts = options.Value.MaxScoringAttempts;
        var takesOver = claim.TakesOver;
        var claimed = await db.Screams
            .Where(s => s.Id == screamId && s.Status == ScreamStatus.Pending && s.Attempts < maxAttempts
                && (s.ScoringStartedAt == null || s.ScoringStartedAt < staleBefore || s.ScoringStartedAt == takesOver))
            .ExecuteUpdateAsync(
                update => update
                    .SetProperty(s => s.Attempts, s => s.Attempts + 1)
                    .SetProperty(s => s.ScoringStartedAt, claim.At),
                cancellationToken);
        if (claimed == 0)
        {
            return await GiveUpIfExhaustedAsync(screamId, takesOver, staleBefore, cancellationToken)
                ? ScoreOutcome.Failed
                : ScoreOutcome.Skipped;
        }

        var scream = await db.Screams.Include(s => s.Audio).SingleOrDefaultAsync(s => s.Id == screamId, cancellationToken);
        if (scream is null)
        {
            return Deleted(screamId);
        }

        if (scream.Audio is null)
        {
            return await FailAsync(scream, "The recording is no longer stored.", started, cancellationToken);
        }

        ScreamAnalysis analysis;
        try
        {
            analysis = await analyzer.AnalyzeAsync(scream.Audio.Wav, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: give the claim and its attempt back (the clip is not at fault), so the next start
            // scores it at once.
            await db.Screams.Where(s => s.Id == screamId)
                .ExecuteUpdateAsync(
                    update => update
                        .SetProperty(s => s.ScoringStartedAt, (DateTimeOffset?)null)
                        .SetProperty(s => s.Attempts, s => s.Attempts - 1),
                    CancellationToken.None);
            throw;
        }
        catch (WavFormatException exception)
        {
            return await FailAsync(scream, exception.Message, started, cancellationToken);
        }
        catch (SpeechRecognitionException exception)
        {
            logger.LogWarning(exception, "Recognition failed for scream {ScreamId}", screamId);
            return await FailAsync(scream, $"Speech recognition failed: {exception.Message}", started, cancellationToken);
        }
        catch (Exception exception) when (scream.Attempts >= maxAttempts)
        {
            logger.LogError(exception, "Scoring scream {ScreamId} failed on its last attempt", screamId);
            return await FailAsync(scream, $"Scoring failed: {exception.Message}", started, cancellationToken);
        }
        catch (Exception exception)
        {
            // Another fault may pass (memory, a database blip): keep the attempt, and let the job's retry try
            // again. The claim stays for the retry to take over, so the recovery sweep does not queue a second
            // job for the scream in between.
            logger.LogWarning(exception, "Scoring scream {ScreamId} failed on attempt {Attempt} of {MaxAttempts}; it will be retried", screamId, scream.Attempts, maxAttempts);
            throw;
        }

        metrics.Scored(analysis.Recognition.Recognizer, Stopwatch.GetElapsedTime(started));
        Apply(scream, analysis);
        scream.Status = ScreamStatus.Scored;
        scream.ScoredAt = time.GetUtcNow();
        scream.ScoringMilliseconds = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!await SaveUnlessDeletedAsync(cancellationToken))
        {
            return Deleted(screamId);
        }

        logger.LogInformation(
            "Scored scream {ScreamId}: {Score} by {Recognizer} (decode {DecodeMs:F1} ms, analysis {AnalysisMs:F1} ms, recognition {RecognitionMs:F1} ms, total {TotalMs} ms)",
            screamId,
            scream.Score,
            scream.Recognizer,
            analysis.Timings.DecodeMilliseconds,
            analysis.Timings.AnalysisMilliseconds,
            analysis.Timings.RecognitionMilliseconds,
            scream.ScoringMilliseconds);
        return ScoreOutcome.Scored;
    }

    /// <summary>
    /// Fails a pending scream whose attempts are used up and that no live run holds: the claim this run's
    /// job left (<paramref name="takesOver"/>), none, or a stale one. True when it did.
    /// </summary>
    private async Task<bool> GiveUpIfExhaustedAsync(Guid screamId, DateTimeOffset? takesOver, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        var maxAttempts = options.Value.MaxScoringAttempts;
        var failed = await db.Screams
            .Where(s => s.Id == screamId && s.Status == ScreamStatus.Pending && s.Attempts >= maxAttempts
                && (s.ScoringStartedAt == null || s.ScoringStartedAt < staleBefore || s.ScoringStartedAt == takesOver))
            .ExecuteUpdateAsync(
                update => update
                    .SetProperty(s => s.Status, ScreamStatus.Failed)
                    .SetProperty(s => s.FailureReason, ExhaustedReason(maxAttempts)),
                cancellationToken);
        if (failed == 0)
        {
            logger.LogInformation("Scream {ScreamId} is not pending or is being scored elsewhere; nothing to do", screamId);
            return false;
        }

        logger.LogWarning("Gave up on scream {ScreamId} after {MaxAttempts} attempts", screamId, maxAttempts);
        return true;
    }

    /// <summary>Why a scream whose runs never finished is failed.</summary>
    public static string ExhaustedReason(int maxAttempts) => $"Scoring did not finish after {maxAttempts} attempts.";

    private static void Apply(Scream scream, ScreamAnalysis analysis)
    {
        scream.SampleRateHz = analysis.SampleRateHz;
        scream.Channels = analysis.Channels;
        scream.DurationSeconds = analysis.DurationSeconds;
        scream.MeanRms = analysis.MeanRms;
        scream.Loudness = analysis.Score.Loudness;
        scream.SpeechCharacters = analysis.Score.SpeechCharacters;
        scream.SpeechFactor = analysis.Score.SpeechFactor;
        scream.Score = analysis.Score.Score;
        scream.Recognizer = analysis.Recognition.Recognizer;
        scream.Transcript = analysis.Recognition.Transcript;
        scream.NoSpeechProbability = analysis.Recognition.NoSpeechProbability;
        scream.AverageLogProbability = analysis.Recognition.AverageLogProbability;
        scream.Envelope = analysis.Envelope;
        scream.FrameRms = analysis.FrameRms;
        scream.FailureReason = null;
    }

    /// <summary>
    /// Saves the run's result; false when the scream was deleted meanwhile. The update then matches no
    /// row, which EF reports as a concurrency conflict (the model has no other concurrency token).
    /// </summary>
    private async Task<bool> SaveUnlessDeletedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    private ScoreOutcome Deleted(Guid screamId)
    {
        logger.LogInformation("Scream {ScreamId} was deleted while it was being scored; nothing to store", screamId);
        return ScoreOutcome.Skipped;
    }

    private async Task<ScoreOutcome> FailAsync(Scream scream, string reason, long started, CancellationToken cancellationToken)
    {
        scream.Status = ScreamStatus.Failed;
        scream.FailureReason = reason.Length <= 1000 ? reason : reason[..1000];
        scream.ScoringMilliseconds = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!await SaveUnlessDeletedAsync(cancellationToken))
        {
            return Deleted(scream.Id);
        }

        logger.LogWarning("Scream {ScreamId} failed after attempt {Attempt}: {Reason}", scream.Id, scream.Attempts, reason);
        return ScoreOutcome.Failed;
    }
}

/// <summary>What a score run did.</summary>
public enum ScoreOutcome
{
    Scored,
    Failed,
    Skipped,
}
