using Kisei.Web.Data.Postgres;

namespace Kisei.Web.Data;

/// <summary>
/// Bounds shutdown, so SIGTERM ends Kisei even when its database is gone. Hosted services get
/// <see cref="ShutdownTimeout"/> to stop, but the host waits for one that ignores its token (a job
/// scheduler retrying a connection), so past <see cref="HardDeadline"/> this stops the private
/// PostgreSQL and ends the process. Both fit in Kubernetes' default 30 s grace period.
/// </summary>
internal sealed class ShutdownDeadline(
    IHostApplicationLifetime lifetime, IServiceProvider services, ILogger<ShutdownDeadline> logger) : IHostedService
{
    /// <summary>What <see cref="HostOptions.ShutdownTimeout"/> is set to.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(15);

    /// <summary>From the stop request to the end of the process, whatever still runs.</summary>
    public static readonly TimeSpan HardDeadline = TimeSpan.FromSeconds(25);

    private static readonly TimeSpan ServerStopTimeout = TimeSpan.FromSeconds(4);

    private CancellationTokenRegistration stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        stopping = lifetime.ApplicationStopping.Register(() => _ = EnforceAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnforceAsync()
    {
        try
        {
            await Task.Delay(HardDeadline, lifetime.ApplicationStopped);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        logger.LogCritical("Kisei did not stop within {Seconds:0} s of being asked to; ending the process.", HardDeadline.TotalSeconds);
        if (services.GetService<PrivatePostgres>() is { } server)
        {
            try
            {
                await server.StopAsync().WaitAsync(ServerStopTimeout);
            }
            catch (Exception exception) when (exception is TimeoutException or PrivatePostgresException or IOException)
            {
                logger.LogError(exception, "The private PostgreSQL did not stop in time; its next start recovers the data.");
            }
        }
        await stopping.DisposeAsync();
        Environment.Exit(1);
    }
}
