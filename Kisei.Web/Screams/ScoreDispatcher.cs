using Quartz;

namespace Kisei.Web.Screams;

/// <summary>
/// Puts screams on the durable score job. Each scream gets its own one-shot trigger named after it,
/// scheduled with <see cref="TriggerConflict.Keep"/>, so enqueueing the same scream twice (the
/// upload and the recovery sweep racing) schedules it once.
/// </summary>
public sealed class ScoreDispatcher(ISchedulerFactory schedulers)
{
    /// <summary>The one durable, recoverable job every scream's trigger fires.</summary>
    public static readonly JobKey JobKey = new("score-scream", "screams");

    /// <summary>The job data key that carries the scream id.</summary>
    public const string ScreamIdKey = "screamId";

    /// <summary>The trigger of one scream's score run.</summary>
    public static TriggerKey TriggerKeyFor(Guid screamId) => new($"score-{screamId:N}", "screams");

    /// <summary>Makes sure a score run for the scream is scheduled.</summary>
    public async Task EnqueueAsync(Guid screamId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(TriggerKeyFor(screamId))
            .ForJob(JobKey)
            .UsingJobData(ScreamIdKey, screamId.ToString())
            .StartNow()
            .Build();
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.Keep, cancellationToken);
    }

    /// <summary>Whether a score run for the scream is scheduled or running.</summary>
    public async Task<bool> IsQueuedAsync(Guid screamId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return await scheduler.Exists(TriggerKeyFor(screamId), cancellationToken);
    }
}
