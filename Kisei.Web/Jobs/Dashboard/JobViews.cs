using Quartz;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>Everything <c>/jobs</c> shows at once.</summary>
public sealed record JobOverview(
    IReadOnlyList<JobSummary> Recurring,
    IReadOnlyList<JobSummary> OnDemand,
    IReadOnlyList<JobRun> RecentFailures,
    IReadOnlyList<FireInstance> Running,
    IReadOnlyList<ClusterNode> Nodes,
    RunsPerMinute Chart);

/// <summary>One job as the dashboard lists it: what the scheduler holds, folded with Quartz's run status.</summary>
/// <param name="Key">The job.</param>
/// <param name="Exists">False for a job the scheduler no longer holds (a one-shot job is deleted after its run) but whose history remains.</param>
/// <param name="Recurring">Whether any trigger fires the job again and again; otherwise it runs on demand.</param>
/// <param name="Description">The job's description, as registered.</param>
/// <param name="Schedules">The schedules of its recurring triggers.</param>
/// <param name="State">Whether its triggers fire.</param>
/// <param name="QueuedTriggers">Triggers waiting to fire an on-demand job, such as one per scream to score.</param>
/// <param name="NextFireUtc">The soonest time an unpaused trigger fires it.</param>
/// <param name="Status">Quartz's run status: last run, its result and duration, consecutive failures; null before the first run.</param>
public sealed record JobSummary(
    JobKey Key,
    bool Exists,
    string? Description,
    bool Recurring,
    IReadOnlyList<JobSchedule> Schedules,
    JobState State,
    int QueuedTriggers,
    DateTimeOffset? NextFireUtc,
    JobRunStatus? Status)
{
    /// <summary>The key as URLs carry it: <c>group.name</c>.</summary>
    public string Id => $"{Key.Group}.{Key.Name}";
}

/// <summary>Whether the job's triggers fire.</summary>
public enum JobState
{
    /// <summary>The triggers fire as scheduled.</summary>
    Normal,

    /// <summary>Every trigger of the job is paused.</summary>
    Paused,

    /// <summary>A trigger is in Quartz's error state: the job could not be built or its trigger is broken.</summary>
    Error,

    /// <summary>Nothing is scheduled: an on-demand job with nothing queued, or a job the scheduler no longer holds.</summary>
    Idle,
}

/// <summary>How often a recurring trigger fires, in a form the page can put into words.</summary>
/// <param name="Kind">Which of the other parameters apply.</param>
/// <param name="Every">The interval count, for <see cref="JobScheduleKind.Every"/>.</param>
/// <param name="Unit">The interval unit, for <see cref="JobScheduleKind.Every"/>.</param>
/// <param name="At">The time of day, for <see cref="JobScheduleKind.Daily"/>.</param>
/// <param name="Cron">The expression, for <see cref="JobScheduleKind.Cron"/> (and shown beside a daily one).</param>
/// <param name="TimeZone">The time zone a cron or daily schedule is read in.</param>
public sealed record JobSchedule(JobScheduleKind Kind, int Every = 0, IntervalUnit Unit = IntervalUnit.Second, TimeOnly? At = null, string? Cron = null, string? TimeZone = null);

public enum JobScheduleKind
{
    /// <summary>Every N units.</summary>
    Every,

    /// <summary>Once a day at a time.</summary>
    Daily,

    /// <summary>A cron expression with no simpler reading.</summary>
    Cron,
}

/// <summary>
/// One run from Quartz's execution history, with the stack trace <see cref="JobFailureRecorder"/> kept
/// for it when it failed.
/// </summary>
public sealed record JobRun(
    JobKey Job,
    TriggerKey Trigger,
    DateTimeOffset FiredAtUtc,
    TimeSpan Duration,
    JobRunResult Result,
    string SchedulerInstanceId,
    string? FireInstanceId,
    bool Manual,
    string? ErrorMessage,
    string? StackTrace)
{
    /// <summary>The job key as URLs carry it: <c>group.name</c>.</summary>
    public string JobId => $"{Job.Group}.{Job.Name}";
}

/// <summary>One job's summary and its latest runs, newest first.</summary>
public sealed record JobHistory(JobSummary Job, IReadOnlyList<JobRun> Runs);

/// <summary>Runs per minute, succeeded against failed, oldest minute first; every minute of the window is present.</summary>
public sealed record RunsPerMinute(DateTimeOffset FromUtc, IReadOnlyList<MinuteRuns> Minutes)
{
    public int Succeeded => Minutes.Sum(m => m.Succeeded);

    public int Failed => Minutes.Sum(m => m.Failed);
}

/// <summary>The runs that fired in one minute.</summary>
public readonly record struct MinuteRuns(DateTimeOffset StartUtc, int Succeeded, int Failed);
