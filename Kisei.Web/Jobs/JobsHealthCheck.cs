using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Jobs;

/// <summary>Ready when Hangfire's storage answers and this replica's job server has heartbeated recently.</summary>
internal sealed class JobsHealthCheck(JobStorage storage, JobServerName server, IOptions<JobsOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var prefix = server.Name + ":";
            var mine = storage.GetMonitoringApi().Servers().FirstOrDefault(s => s.Name.StartsWith(prefix, StringComparison.Ordinal));
            var data = new Dictionary<string, object> { ["server"] = mine?.Name ?? "none" };
            if (mine?.Heartbeat is not { } heartbeat)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("This replica's job server has not started.", data: data));
            }

            var age = time.GetUtcNow().UtcDateTime - DateTime.SpecifyKind(heartbeat, DateTimeKind.Utc);
            data["heartbeatAgeSeconds"] = Math.Round(age.TotalSeconds, 1);
            return Task.FromResult(age <= options.Value.ServerTimeout
                ? HealthCheckResult.Healthy("The job storage answers and this replica's job server heartbeats.", data)
                : HealthCheckResult.Unhealthy("This replica's job server has stopped heartbeating.", data: data));
        }
#pragma warning disable CA1031 // Whatever the storage throws, the answer is "not ready", with the reason.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The job storage does not answer.", exception));
        }
    }
}
