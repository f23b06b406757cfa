using System.ComponentModel.DataAnnotations;

namespace Kisei.Web.Jobs;

/// <summary>How Hangfire stores and runs Kisei's jobs. Section <c>Jobs</c>.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>The PostgreSQL schema Hangfire keeps its tables in, beside Kisei's own.</summary>
    [Required]
    [RegularExpression("^[a-z_][a-z0-9_]*$")]
    public string Schema { get; set; } = "hangfire";

    /// <summary>Jobs one replica runs at once; scoring is CPU-bound, so about one per core.</summary>
    [Range(1, 64)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>How long a job whose worker died stays invisible before another worker takes it, in seconds.</summary>
    [Range(5, 3600)]
    public int InvisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>Wake idle workers with PostgreSQL's LISTEN/NOTIFY when a job is enqueued, instead of waiting for the next poll.</summary>
    public bool LongPolling { get; set; } = true;

    /// <summary>How often the queue is read when no notification arrives, in seconds.</summary>
    [Range(1, 60)]
    public int QueuePollIntervalSeconds { get; set; } = 5;

    /// <summary>How often recurring and retried jobs are looked for, in seconds; below the shortest schedule.</summary>
    [Range(1, 15)]
    public int SchedulePollingIntervalSeconds { get; set; } = 1;

    /// <summary>
    /// How old a lock must be before another replica may take it, in seconds. Hangfire.PostgreSql's locks are
    /// rows stamped when taken and never renewed, so this is how long a lock left by a replica that died
    /// blocks the others. Keep it below the shortest schedule (scaling, 10 s) and above the longest hold.
    /// </summary>
    [Range(2, 3600)]
    public int DistributedLockTimeoutSeconds { get; set; } = 5;

    /// <summary>How long a replica that stopped heartbeating counts as a server, in seconds.</summary>
    [Range(10, 3600)]
    public int ServerTimeoutSeconds { get; set; } = 60;

    public TimeSpan InvisibilityTimeout => TimeSpan.FromSeconds(InvisibilityTimeoutSeconds);

    public TimeSpan QueuePollInterval => TimeSpan.FromSeconds(QueuePollIntervalSeconds);

    public TimeSpan SchedulePollingInterval => TimeSpan.FromSeconds(SchedulePollingIntervalSeconds);

    public TimeSpan DistributedLockTimeout => TimeSpan.FromSeconds(DistributedLockTimeoutSeconds);

    public TimeSpan ServerTimeout => TimeSpan.FromSeconds(ServerTimeoutSeconds);
}
