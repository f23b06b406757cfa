using Hangfire;
using Kisei.Web.Accounts;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Microsoft.EntityFrameworkCore;
using Prometheus;

namespace Kisei.Web.Metrics;

/// <summary>
/// Prometheus metrics with prometheus-net: a stable 8.x release whose counters, histograms and
/// scrape-time callbacks are all Kisei needs. OpenTelemetry's Prometheus exporter is still a beta
/// here (1.20.1-beta.1), and its meter pipeline would add a layer for no series Kisei lacks.
/// </summary>
public static class MetricsExtensions
{
    public static WebApplicationBuilder AddMetrics(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<KiseiMetrics>();
        return builder;
    }

    /// <summary>
    /// <c>/metrics</c>, for admins only (the app's admin policy): the bill and the replicas are operators'
    /// business. Prometheus scrapes it with an admin's session or through a sidecar; see the README.
    /// </summary>
    public static IEndpointRouteBuilder MapKiseiMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var metrics = endpoints.ServiceProvider.GetRequiredService<KiseiMetrics>();
        var services = endpoints.ServiceProvider;
        metrics.Registry.AddBeforeCollectCallback(cancellationToken => CollectAsync(services, metrics, cancellationToken));
        endpoints.MapMetrics("/metrics", metrics.Registry).RequireAuthorization(PlayerClaims.AdminRole);
        return endpoints;
    }

    /// <summary>The gauges, read at each scrape so that every replica reports the same cluster-wide figures.</summary>
    private static async Task CollectAsync(IServiceProvider services, KiseiMetrics metrics, CancellationToken cancellationToken)
    {
        var monitoring = services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var queued = monitoring.EnqueuedCount(ScoreScreamJob.Queue);
        metrics.QueueLength.Set(queued);
        var oldest = queued == 0 ? null : monitoring.EnqueuedJobs(ScoreScreamJob.Queue, 0, 1).FirstOrDefault().Value?.EnqueuedAt;
        metrics.OldestJobAge.Set(oldest is { } at ? Math.Max(0, (DateTime.UtcNow - DateTime.SpecifyKind(at, DateTimeKind.Utc)).TotalSeconds) : 0);
        metrics.FailedJobs.Set(monitoring.FailedCount());

        await using var db = await services.GetRequiredService<IDbContextFactory<KiseiDbContext>>().CreateDbContextAsync(cancellationToken);
        var snapshot = await db.ShareSnapshots.OrderByDescending(s => s.Id).Select(s => new { s.BillYen }).FirstOrDefaultAsync(cancellationToken);
        metrics.BillYen.Set(snapshot?.BillYen ?? 0);
        var run = await db.ScalingRuns.OrderByDescending(r => r.Id).Select(r => new { r.ObservedReplicas, r.Target }).FirstOrDefaultAsync(cancellationToken);
        metrics.ObservedReplicas.Set(run?.ObservedReplicas ?? 0);
        metrics.TargetReplicas.Set(run?.Target ?? 0);
    }
}
