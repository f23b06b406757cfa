using Kisei.Web.Data;
using Kisei.Web.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Billing;

/// <summary>
/// Projects the month's bill and raises the alarm when it reaches
/// <see cref="BillingOptions.BudgetAlarmShare"/> of <see cref="BillingOptions.MonthlyBudgetYen"/> (docs/design.md §3).
/// A bill is CostPerReplicaYen × replicas for a whole month, so the month's cost is that price times the
/// replicas averaged over the month: the period's snapshots so far (taken at an even beat, so their mean
/// is a time mean) for the time gone, and the latest count for the time left.
/// </summary>
/// <remarks>
/// The alarm is a state of the data, not of a replica: every replica and page computes the same answer,
/// and a crossing is told apart from a standing alarm by projecting again without the latest snapshot,
/// so the log warns once per crossing however many replicas take turns at the job.
/// </remarks>
public sealed class BudgetAlarm(
    KiseiDbContext db,
    BillingPeriods periods,
    KiseiMetrics metrics,
    IOptions<BillingOptions> options,
    ILogger<BudgetAlarm> logger)
{
    /// <summary>The projection now, from the latest snapshot; null when no budget is set or nothing was measured.</summary>
    public async Task<BudgetStatus?> StatusAsync(CancellationToken cancellationToken)
    {
        var latest = await db.ShareSnapshots.AsNoTracking().OrderByDescending(s => s.Id).FirstOrDefaultAsync(cancellationToken);
        return latest is null ? null : await ProjectAsync(latest, cancellationToken);
    }

    /// <summary>After a snapshot: updates the metric, and warns when the projection has just crossed the threshold.</summary>
    public async Task CheckAsync(ShareSnapshot latest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(latest);
        var now = await ProjectAsync(latest, cancellationToken);
        metrics.ProjectedBillYen.Set(now?.ProjectedYen ?? 0);
        metrics.BudgetAlarm.Set(now?.Alarm == true ? 1 : 0);
        if (now is null)
        {
            return;
        }

        var previous = await db.ShareSnapshots.AsNoTracking()
            .Where(s => s.Id < latest.Id && s.Period == latest.Period)
            .OrderByDescending(s => s.Id)
            .FirstOrDefaultAsync(cancellationToken);
        var before = previous is null ? null : await ProjectAsync(previous, cancellationToken);
        if (now.Alarm && before?.Alarm != true)
        {
            logger.LogWarning(
                "Budget alarm: the bill for {Period:yyyy-MM} is projected at {ProjectedYen} yen, at or past {Share:P0} of the {BudgetYen} yen budget",
                latest.Period,
                now.ProjectedYen,
                options.Value.BudgetAlarmShare,
                now.BudgetYen);
        }
        else if (!now.Alarm && before?.Alarm == true)
        {
            logger.LogInformation("Budget alarm cleared: the bill for {Period:yyyy-MM} is projected at {ProjectedYen} yen", latest.Period, now.ProjectedYen);
        }
    }

    /// <summary>The projection as of <paramref name="latest"/>, from the period's snapshots up to it.</summary>
    private async Task<BudgetStatus?> ProjectAsync(ShareSnapshot latest, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.MonthlyBudgetYen is not { } budgetYen)
        {
            return null;
        }

        var meanReplicas = await db.ShareSnapshots
            .Where(s => s.Period == latest.Period && s.Id <= latest.Id)
            .AverageAsync(s => (double)s.ObservedReplicas, cancellationToken);
        var (start, end) = periods.Bounds(latest.Period);
        var gone = Math.Clamp((latest.TakenAt - start) / (end - start), 0, 1);
        var replicas = (meanReplicas * gone) + (latest.ObservedReplicas * (1 - gone));
        var projectedYen = (long)Math.Round(latest.CostPerReplicaYen * replicas);
        var thresholdYen = (long)Math.Ceiling(budgetYen * settings.BudgetAlarmShare);
        return new BudgetStatus(projectedYen, budgetYen, thresholdYen, projectedYen >= thresholdYen);
    }
}

/// <summary>The month's projected bill against the budget and the alarm's threshold.</summary>
public sealed record BudgetStatus(long ProjectedYen, long BudgetYen, long ThresholdYen, bool Alarm);
