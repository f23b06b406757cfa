namespace Kisei.Web.Jobs;

/// <summary>
/// One failed job run with the whole exception text. Quartz's execution history keeps only the
/// message, so <see cref="JobFailureRecorder"/> writes the stack trace here, keyed the way the
/// history names a run: the node that ran it and its fire instance id.
/// </summary>
public class JobFailure
{
    /// <summary>The scheduler instance (node) that ran the job.</summary>
    public required string SchedulerInstanceId { get; set; }

    /// <summary>The firing, as <c>IJobExecutionContext.FireInstanceId</c> names it; unique per node.</summary>
    public required string FireInstanceId { get; set; }

    public required string JobGroup { get; set; }

    public required string JobName { get; set; }

    public required string TriggerGroup { get; set; }

    public required string TriggerName { get; set; }

    public DateTimeOffset FiredAt { get; set; }

    /// <summary>The type of what the job threw (unwrapped from Quartz's <c>JobExecutionException</c>).</summary>
    public required string ExceptionType { get; set; }

    public required string Message { get; set; }

    /// <summary><c>Exception.ToString()</c>: type, message, stack trace and inner exceptions, cut to <see cref="MaxDetailLength"/>.</summary>
    public required string Detail { get; set; }

    /// <summary>The longest <see cref="Detail"/> kept; a runaway exception chain must not fill the table.</summary>
    public const int MaxDetailLength = 32_000;
}
