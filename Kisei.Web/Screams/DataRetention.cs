using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// Deletes what is kept only for a while (docs/design.md §2), and keeps what could not be made again:
/// <list type="bullet">
/// <item>a scored scream's audio after <see cref="RetentionOptions.AudioRetentionDays"/>; its score stays;</item>
/// <item>a failed scream's audio after <see cref="RetentionOptions.FailedAudioRetentionDays"/>, so it can be
/// retried until then; a pending scream keeps its audio whatever its age, since its score still needs it;</item>
/// <item>scaling runs after <see cref="RetentionOptions.ScalingRunRetentionDays"/>;</item>
/// <item>cost-share snapshots after <see cref="RetentionOptions.ShareSnapshotRetentionDays"/>, except each
/// period's last one, its final bill and shares, which are kept for good;</item>
/// <item>the rate limit's upload attempts once no limit's window holds them.</item>
/// </list>
/// </summary>
public sealed class DataRetention(KiseiDbContext db, TimeProvider time, IOptions<RetentionOptions> options, ILogger<DataRetention> logger)
{
    /// <summary>Deletes everything past its retention and says how much went.</summary>
    public async Task<RetentionResult> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();

        var audioCutoff = now.AddDays(-settings.AudioRetentionDays);
        var failedAudioCutoff = now.AddDays(-settings.FailedAudioRetentionDays);
        var audio = await db.ScreamAudio
            .Where(a => db.Screams.Any(s => s.Id == a.ScreamId
                && ((s.Status == ScreamStatus.Scored && s.CreatedAt < audioCutoff)
                    || (s.Status == ScreamStatus.Failed && s.CreatedAt < failedAudioCutoff))))
            .ExecuteDeleteAsync(cancellationToken);

        var runCutoff = now.AddDays(-settings.ScalingRunRetentionDays);
        var runs = await db.ScalingRuns.Where(r => r.At < runCutoff).ExecuteDeleteAsync(cancellationToken);

        // The snapshots' shares go with them (ON DELETE CASCADE). A period's last snapshot is its final bill.
        var snapshotCutoff = now.AddDays(-settings.ShareSnapshotRetentionDays);
        var snapshots = await db.ShareSnapshots
            .Where(s => s.TakenAt < snapshotCutoff
                && s.Id != db.ShareSnapshots.Where(last => last.Period == s.Period)
                    .OrderByDescending(last => last.TakenAt)
                    .ThenByDescending(last => last.Id)
                    .Select(last => last.Id)
                    .First())
            .ExecuteDeleteAsync(cancellationToken);

        var attemptCutoff = now - UploadRateLimit.LedgerRetention;
        var attempts = await db.UploadAttempts.Where(a => a.At < attemptCutoff).ExecuteDeleteAsync(cancellationToken);

        var result = new RetentionResult(audio, runs, snapshots, attempts);
        logger.LogInformation(
            "Retention deleted the audio of {Audio} screams, {Runs} scaling runs, {Snapshots} cost-share snapshots and {Attempts} upload attempts",
            audio,
            runs,
            snapshots,
            attempts);
        return result;
    }
}

/// <summary>How many rows one retention sweep deleted.</summary>
public sealed record RetentionResult(int ScreamAudio, int ScalingRuns, int ShareSnapshots, int UploadAttempts);
