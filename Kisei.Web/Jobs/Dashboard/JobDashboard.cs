using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Quartz;
using Quartz.Extensibility;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>
/// The queries and actions behind <c>/jobs</c> (DESIGN §6): Quartz's scheduler for what is scheduled,
/// running and in the cluster, its execution history for what happened, and <see cref="JobFailure"/>
/// for the stack traces the history does not keep. Every node reads the same database, so any
/// replica shows the whole cluster.
/// </summary>
public sealed class JobDashboard(
    ISchedulerFactory schedulers,
    IExecutionHistoryStore history,
    IDbContextFactory<KiseiDbContext> contexts,
    TimeProvider clock)
{
    /// <summary>How many runs a job's history page lists.</summary>
    public const int HistoryLength = 50;

    /// <summary>How many failed runs across jobs the overview lists.</summary>
    public const int RecentFailureCount = 20;

    /// <summary>How many minutes the runs-per-minute chart covers.</summary>
    public const int ChartMinutes = 60;

    /// <summary>How many firings in flight the overview lists; a cluster runs at most its nodes' thread pools' worth.</summary>
    public const int RunningShown = 100;

    /// <summary>Triggers read per job: enough to classify it; an on-demand job's queue is counted, not read.</summary>
    private const int TriggersRead = 20;

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    public async Task<JobOverview> GetOverviewAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var jobs = await ListJobsAsync(scheduler, cancellationToken);
        var failures = await history.QueryExecutions(
            new ExecutionHistoryQuery { SchedulerName = scheduler.SchedulerName, Results = [JobRunResult.Failed], Take = RecentFailureCount },
            cancellationToken);
        // State null: the firings a node has reserved as well as those executing.
        var running = await scheduler.QueryFireInstances(new FireInstanceQuery { State = null, Take = RunningShown }, cancellationToken);
        var nodes = await scheduler.QueryClusterNodes(cancellationToken);
        return new JobOverview(
            jobs.Where(j => j.Recurring).ToList(),
            jobs.Where(j => !j.Recurring).ToList(),
            await WithStackTracesAsync(failures.Items, cancellationToken),
            await WithJobKeysAsync(scheduler, running.Items, cancellationToken),
            nodes.OrderBy(n => n.InstanceId, StringComparer.Ordinal).ToList(),
            await GetRunsPerMinuteAsync(cancellationToken));
    }

    /// <summary>A job's summary and its last runs, or null when the scheduler neither holds it nor remembers running it.</summary>
    public async Task<JobHistory?> GetHistoryAsync(JobKey job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var status = await history.GetJobRunStatus(scheduler.SchedulerName, job, cancellationToken);
        var detail = await scheduler.GetJobDetail(job, cancellationToken);
        var runs = await history.QueryExecutions(
            new ExecutionHistoryQuery { SchedulerName = scheduler.SchedulerName, Job = job, Take = HistoryLength },
            cancellationToken);
        if (detail is null && status is null && runs.Items.Count == 0)
        {
            return null;
        }

        var summary = detail is null
            ? new JobSummary(job, Exists: false, null, Recurring: false, [], JobState.Idle, 0, null, status)
            : await SummarizeAsync(scheduler, job, detail.Description, status, cancellationToken);
        return new JobHistory(summary, await WithStackTracesAsync(runs.Items, cancellationToken));
    }

    /// <summary>Runs per minute over the last <see cref="ChartMinutes"/> minutes, this minute included.</summary>
    public async Task<RunsPerMinute> GetRunsPerMinuteAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var now = clock.GetUtcNow();
        // Quartz's buckets start on whole multiples of their size, so the window starts on a whole minute too.
        var from = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % Minute.Ticks), TimeSpan.Zero).AddMinutes(1 - ChartMinutes);
        var statistics = await history.QueryExecutionStatistics(
            new ExecutionStatisticsQuery { SchedulerName = scheduler.SchedulerName, FiredFrom = from, BucketSize = Minute },
            cancellationToken);
        var minutes = new MinuteRuns[ChartMinutes];
        for (var i = 0; i < minutes.Length; i++)
        {
            minutes[i] = new MinuteRuns(from.AddMinutes(i), 0, 0);
        }

        foreach (var bucket in statistics.Buckets)
        {
            var index = (int)((bucket.StartUtc - from).Ticks / Minute.Ticks);
            if (index >= 0 && index < minutes.Length)
            {
                minutes[index] = minutes[index] with { Succeeded = (int)bucket.SucceededCount, Failed = (int)bucket.FailedCount };
            }
        }

        return new RunsPerMinute(from, minutes);
    }

    /// <summary>Fires the job once now, on whichever node acquires it. False when there is no such job.</summary>
    public Task<bool> TriggerAsync(JobKey job, CancellationToken cancellationToken) =>
        ActAsync(job, async (scheduler, key, ct) => await scheduler.TriggerJob(key, ct), cancellationToken);

    /// <summary>Pauses every trigger of the job, across the cluster. False when there is no such job.</summary>
    public Task<bool> PauseAsync(JobKey job, CancellationToken cancellationToken) =>
        ActAsync(job, async (scheduler, key, ct) => await scheduler.PauseJob(key, ct), cancellationToken);

    /// <summary>Resumes every trigger of the job. False when there is no such job.</summary>
    public Task<bool> ResumeAsync(JobKey job, CancellationToken cancellationToken) =>
        ActAsync(job, async (scheduler, key, ct) => await scheduler.ResumeJob(key, ct), cancellationToken);

    /// <summary>Reads a key as URLs carry it, <c>group.name</c>, splitting at the first dot; null when it has no dot.</summary>
    public static JobKey? ParseKey(string? id)
    {
        var dot = id?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        return dot > 0 && dot < id!.Length - 1 ? new JobKey(id[(dot + 1)..], id[..dot]) : null;
    }

    private async Task<List<JobSummary>> ListJobsAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var jobs = await scheduler.QueryJobs(new JobQuery { Take = PagedQuery.All }, cancellationToken);
        var statuses = await history.QueryJobRunStatuses(
            new JobRunStatusQuery { SchedulerName = scheduler.SchedulerName, Take = PagedQuery.All },
            cancellationToken);
        var statusByJob = statuses.Items.ToDictionary(s => s.Job);
        var summaries = new List<JobSummary>(jobs.Items.Count);
        foreach (var job in jobs.Items)
        {
            summaries.Add(await SummarizeAsync(scheduler, job.Key, job.Description, statusByJob.GetValueOrDefault(job.Key), cancellationToken));
        }

        return summaries;
    }

    private static async Task<JobSummary> SummarizeAsync(IScheduler scheduler, JobKey job, string? description, JobRunStatus? status, CancellationToken cancellationToken)
    {
        var headers = await scheduler.QueryTriggers(new TriggerQuery { Job = job, Take = TriggersRead, IncludeTotalCount = true }, cancellationToken);
        var triggers = await scheduler.GetTriggers(headers.Items.Select(h => h.Key).ToList(), cancellationToken);
        var schedules = triggers.Select(JobSchedules.Describe).OfType<JobSchedule>().Distinct().ToList();
        var states = headers.Items.Select(h => h.State).Where(s => s != TriggerState.Complete).ToList();
        var state = states.Count == 0 ? JobState.Idle
            : states.Contains(TriggerState.Error) ? JobState.Error
            : states.All(s => s == TriggerState.Paused) ? JobState.Paused
            : JobState.Normal;
        var nextFire = headers.Items.Where(h => h.State != TriggerState.Paused).Min(h => h.NextFireTimeUtc);
        var recurring = schedules.Count > 0;
        var queued = recurring ? 0 : headers.TotalCount ?? headers.Items.Count;
        return new JobSummary(job, Exists: true, description, recurring, schedules, state, queued, nextFire, status);
    }

    private async Task<bool> ActAsync(JobKey job, Func<IScheduler, JobKey, CancellationToken, ValueTask> action, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        if (!await scheduler.Exists(job, cancellationToken))
        {
            return false;
        }

        await action(scheduler, job, cancellationToken);
        return true;
    }

    /// <summary>A firing that is reserved but not yet executing carries no job key; its trigger names the job.</summary>
    private static async Task<List<FireInstance>> WithJobKeysAsync(IScheduler scheduler, IReadOnlyList<FireInstance> firings, CancellationToken cancellationToken)
    {
        var unnamed = firings.Where(f => f.JobKey is null).Select(f => f.TriggerKey).Distinct().ToList();
        var jobOf = unnamed.Count == 0
            ? []
            : (await scheduler.GetTriggers(unnamed, cancellationToken)).ToDictionary(t => t.Key, t => t.JobKey);
        return firings
            .Select(f => f.JobKey is null && jobOf.TryGetValue(f.TriggerKey, out var job) ? f with { JobKey = job } : f)
            .ToList();
    }

    /// <summary>Pairs history rows with the stack traces <see cref="JobFailureRecorder"/> kept, by node and fire instance id.</summary>
    private async Task<List<JobRun>> WithStackTracesAsync(IReadOnlyList<ExecutionHistoryEntry> entries, CancellationToken cancellationToken)
    {
        var failedIds = entries
            .Where(e => e.EffectiveResult == JobRunResult.Failed && e.FireInstanceId is not null)
            .Select(e => e.FireInstanceId!)
            .Distinct()
            .ToList();
        var traces = new Dictionary<(string Node, string FireInstanceId), string>();
        if (failedIds.Count > 0)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var failures = await db.Set<JobFailure>().AsNoTracking()
                .Where(f => failedIds.Contains(f.FireInstanceId))
                .Select(f => new { f.SchedulerInstanceId, f.FireInstanceId, f.Detail })
                .ToListAsync(cancellationToken);
            foreach (var failure in failures)
            {
                traces[(failure.SchedulerInstanceId, failure.FireInstanceId)] = failure.Detail;
            }
        }

        return entries.Select(e => new JobRun(
                new JobKey(e.JobName, e.JobGroup),
                new TriggerKey(e.TriggerName, e.TriggerGroup),
                e.FiredAtUtc,
                e.Duration,
                e.EffectiveResult,
                e.SchedulerInstanceId,
                e.FireInstanceId,
                e.Manual,
                e.ExceptionMessage,
                e.FireInstanceId is not null && traces.TryGetValue((e.SchedulerInstanceId, e.FireInstanceId), out var trace) ? trace : null))
            .ToList();
    }
}
