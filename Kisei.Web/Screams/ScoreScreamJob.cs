using Quartz;

namespace Kisei.Web.Screams;

/// <summary>Scores one scream; the trigger carries its id. Durable and recoverable: a run cut short by a crash runs again.</summary>
public sealed class ScoreScreamJob(ScreamScorer scorer) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var screamId = Guid.Parse(context.MergedJobDataMap.GetString(ScoreDispatcher.ScreamIdKey)!);
        context.Result = await scorer.ScoreAsync(screamId, context.Recovering, cancellationToken);
    }
}
