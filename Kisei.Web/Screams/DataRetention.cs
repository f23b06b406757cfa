using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// Deletes what is kept only for a while (DESIGN §2): a scream's audio after
/// <see cref="RetentionOptions.AudioRetentionDays"/>, keeping its score; old scaling runs and cost-share
/// snapshots. A pending scream keeps its audio whatever its age, since its score still needs it.
/// </summary>
public sealed class DataRetention(KiseiDbContext db, TimeProvider time, IOptions<RetentionOptions> options, ILogger<DataRetention> logger)
{
    /// <summary>Deletes everything past its retention and says how much went.</summary>
    public async Task<RetentionResult> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();

        var audioCutoff = now.AddDays(-settings.AudioRetentionDays);
        var audio = await db.ScreamAudio
            .Where(a => db.Screams.Any(s => s.Id == a.ScreamId && s.CreatedAt < audioCutoff && s.Status != ScreamStatus.Pending))
            .ExecuteDeleteAsync(cancellationToken);

        var runCutoff = now.AddDays(-settings.ScalingRunRetentionDays);
        var runs = await db.ScalingRuns.Where(r => r.At < runCutoff).ExecuteDeleteAsync(cancellationToken);

        // The snapshots' shares go with them (ON DELETE CASCADE).
        var snapshotCutoff = now.AddDays(-settings.ShareSnapshotRetentionDays);
        var snapshots = await db.ShareSnapshots.Where(s => s.TakenAt < snapshotCutoff).ExecuteDeleteAsync(cancellationToken);

        var result = new RetentionResult(audio, runs, snapshots);
        logger.LogInformation(
            "Retention deleted the audio of {Audio} screams, {Runs} scaling runs and {Snapshots} cost-share snapshots",
            audio,
            runs,
            snapshots);
        return result;
    }
}

/// <summary>How many rows one retention sweep deleted.</summary>
public sealed record RetentionResult(int ScreamAudio, int ScalingRuns, int ShareSnapshots);
