using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Watches the private server while the app runs and starts it again when it dies, with a backoff
/// from 1 s doubling up to 30 s. While it is down, readiness is red (<see cref="Readiness"/>); once it
/// has stayed down for <see cref="PrivatePostgresOptions.RecoveryGraceSeconds"/>, liveness is red too
/// (<see cref="Liveness"/>), so that an orchestrator restarts the app.
/// </summary>
public sealed class PrivatePostgresSupervisor(PrivatePostgres server, TimeProvider time, ILogger logger)
    : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly TimeSpan recoveryGrace = TimeSpan.FromSeconds(server.Options.RecoveryGraceSeconds);
    // UTC ticks, 0 while the server runs: health checks read it from other threads.
    private long downSinceTicks;

    /// <summary>When the server was found dead, or null while it runs.</summary>
    public DateTimeOffset? DownSince
    {
        get => Volatile.Read(ref downSinceTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        private set => Volatile.Write(ref downSinceTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>How many times the server was started again.</summary>
    public int Restarts { get; private set; }

    /// <summary>Red while the server is down.</summary>
    public HealthCheckResult Readiness() => DownSince is { } since
        ? HealthCheckResult.Unhealthy($"The private PostgreSQL is down since {since:O}; Kisei is restarting it.")
        : HealthCheckResult.Healthy();

    /// <summary>Red once the server has stayed down for longer than the recovery grace.</summary>
    public HealthCheckResult Liveness()
    {
        if (DownSince is not { } since)
            return HealthCheckResult.Healthy();
        var down = time.GetUtcNow() - since;
        return down > recoveryGrace
            ? HealthCheckResult.Unhealthy(
                $"The private PostgreSQL has been down for {down.TotalSeconds:0} s, longer than " +
                $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.RecoveryGraceSeconds)} ({recoveryGrace.TotalSeconds:0} s).")
            : HealthCheckResult.Degraded($"The private PostgreSQL is down since {since:O}; Kisei is restarting it.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!server.IsRunning)
                    await RecoverAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The app stops, and the server with it.
        }
    }

    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        var since = time.GetUtcNow();
        DownSince = since;
        logger.LogError("The private PostgreSQL (pid {Pid}) in {DataDirectory} died; restarting it.", server.ProcessId, server.DataDirectory);
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            await Task.Delay(backoff, time, stoppingToken);
            try
            {
                await server.RestartAsync(stoppingToken);
                Restarts++;
                DownSince = null;
                logger.LogWarning(
                    "The private PostgreSQL is back (pid {Pid}) after {Seconds:0.0} s down, at attempt {Attempt}.",
                    server.ProcessId, (time.GetUtcNow() - since).TotalSeconds, attempt);
                return;
            }
            catch (Exception exception) when (exception is PrivatePostgresException or IOException or UnauthorizedAccessException)
            {
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                logger.LogError(
                    exception, "Restarting the private PostgreSQL failed (attempt {Attempt}); trying again in {Seconds:0} s.",
                    attempt, backoff.TotalSeconds);
            }
        }
    }
}

/// <summary>Reports <see cref="PrivatePostgresSupervisor.Readiness"/> or <see cref="PrivatePostgresSupervisor.Liveness"/>.</summary>
internal sealed class PrivatePostgresHealthCheck(PrivatePostgresSupervisor supervisor, bool liveness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(liveness ? supervisor.Liveness() : supervisor.Readiness());
}
