using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Quartz;

namespace Kisei.Web.Jobs;

/// <summary>
/// A Quartz job listener that writes every failed run's whole exception text to
/// <see cref="JobFailure"/>, which the dashboard shows beside Quartz's own history (that keeps only
/// the message). The table is kept to <see cref="RetentionDays"/> days and <see cref="MaxRows"/> rows.
/// </summary>
public sealed class JobFailureRecorder(IDbContextFactory<KiseiDbContext> contexts, TimeProvider clock, ILogger<JobFailureRecorder> logger) : IJobListener
{
    /// <summary>How long a stack trace is kept: longer than Quartz's 24-hour history, so a failure seen in the morning is still readable.</summary>
    public const int RetentionDays = 7;

    /// <summary>The most failures kept, whatever their age: a job failing every second must not grow the table without bound.</summary>
    public const int MaxRows = 1000;

    public string Name => "kisei-job-failures";

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (jobException is null)
        {
            return;
        }

        var failure = Describe(context, jobException);
        try
        {
            // Not the firing's token: a failure that ends as the scheduler shuts down is still worth keeping.
            await SaveAsync(failure, CancellationToken.None);
        }
        catch (Exception exception) when (exception is NpgsqlException or DbUpdateException or InvalidOperationException)
        {
            // The run has already failed and Quartz's history has its message; losing the stack trace must not fail anything else.
            logger.LogWarning(exception, "Could not record the stack trace of job {Job} run {FireInstanceId}", context.JobDetail.Key, context.FireInstanceId);
        }
    }

    /// <summary>
    /// What the job threw. Quartz reports an exception that is not a <see cref="JobExecutionException"/> as
    /// JobExecutionException → JobExecutionProcessException → the job's own, both wrappers saying "Job threw
    /// an unhandled exception"; its history looks through exactly that pair, and so does this, so the
    /// message here is the one the history shows. A JobExecutionException the job threw itself is kept whole.
    /// </summary>
    private static JobFailure Describe(IJobExecutionContext context, JobExecutionException jobException)
    {
        var thrown = jobException.InnerException is JobExecutionProcessException { InnerException: { } cause } ? cause : jobException;
        return new JobFailure
        {
            SchedulerInstanceId = context.Scheduler.SchedulerInstanceId,
            FireInstanceId = context.FireInstanceId,
            JobGroup = context.JobDetail.Key.Group,
            JobName = context.JobDetail.Key.Name,
            TriggerGroup = context.Trigger.Key.Group,
            TriggerName = context.Trigger.Key.Name,
            FiredAt = context.FireTimeUtc,
            ExceptionType = Cut(thrown.GetType().FullName ?? thrown.GetType().Name, 500),
            Message = Cut(thrown.Message, 4000),
            Detail = Cut(thrown.ToString(), JobFailure.MaxDetailLength),
        };
    }

    private async Task SaveAsync(JobFailure failure, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().AddDays(-RetentionDays);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // A run that Quartz fires again under the same id (a refire) keeps its latest failure.
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO job_failures (scheduler_instance_id, fire_instance_id, job_group, job_name, trigger_group, trigger_name,
                                      fired_at, exception_type, message, detail)
            VALUES ({failure.SchedulerInstanceId}, {failure.FireInstanceId}, {failure.JobGroup}, {failure.JobName},
                    {failure.TriggerGroup}, {failure.TriggerName}, {failure.FiredAt}, {failure.ExceptionType}, {failure.Message}, {failure.Detail})
            ON CONFLICT (scheduler_instance_id, fire_instance_id) DO UPDATE
            SET fired_at = EXCLUDED.fired_at, exception_type = EXCLUDED.exception_type, message = EXCLUDED.message, detail = EXCLUDED.detail
            """,
            cancellationToken);
        await db.Database.ExecuteSqlAsync(
            $"""
            DELETE FROM job_failures
            WHERE fired_at < {cutoff}
               OR (scheduler_instance_id, fire_instance_id) IN (
                   SELECT scheduler_instance_id, fire_instance_id FROM job_failures ORDER BY fired_at DESC OFFSET {MaxRows})
            """,
            cancellationToken);
    }

    private static string Cut(string text, int maxLength) => text.Length <= maxLength ? text : text[..maxLength];
}
