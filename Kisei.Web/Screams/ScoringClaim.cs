namespace Kisei.Web.Screams;

/// <summary>
/// A score run's claim on a scream: the time it stamps on the scream (<see cref="Scream.ScoringStartedAt"/>),
/// and the stamp an earlier delivery of the same job left, which this run may take over. Only its own:
/// a job delivered again after its worker died does not take over a claim another job holds.
/// </summary>
/// <param name="At">The claim's stamp, in whole microseconds (PostgreSQL's precision), so the stored stamp equals it.</param>
/// <param name="TakesOver">The stamp of this job's earlier run, when it had one.</param>
public readonly record struct ScoringClaim(DateTimeOffset At, DateTimeOffset? TakesOver)
{
    /// <summary>A claim stamped now.</summary>
    public static ScoringClaim Now(TimeProvider time, DateTimeOffset? takesOver = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        return new ScoringClaim(now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMicrosecond)), takesOver);
    }
}
