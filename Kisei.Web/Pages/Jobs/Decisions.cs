using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Scaling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Pages.Jobs;

/// <summary>
/// The decisions behind the money and the machines, for the console's decision pages: the latest scaling
/// runs with why each did what it did, and the latest cost-shares runs.
/// </summary>
public sealed class Decisions(KiseiDbContext db, TimeProvider time, IOptions<ScalingOptions> scaling, IOptions<BillingOptions> billing)
{
    /// <summary>How many runs a page shows.</summary>
    public const int Shown = 30;

    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(billing.Value.TimeZone);

    /// <summary>The billing time zone every time on these pages is shown in.</summary>
    public string TimeZoneName => billing.Value.TimeZone;

    /// <summary>An instant in the billing time zone.</summary>
    public DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, zone);

    /// <summary>The latest scaling runs, newest first; a held run says until when the window holds the replicas.</summary>
    public async Task<IReadOnlyList<ScalingDecision>> ScalingAsync(CancellationToken cancellationToken)
    {
        var window = scaling.Value.StabilizationWindow;
        var latest = await db.ScalingRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(Shown).ToListAsync(cancellationToken);
        if (latest.Count == 0)
        {
            return [];
        }

        // The held runs' windows reach back one window before the oldest run shown.
        var since = latest[^1].At - window;
        var history = await db.ScalingRuns.AsNoTracking()
            .Where(r => r.At >= since)
            .Select(r => new Recommendation(r.At, r.Target))
            .ToListAsync(cancellationToken);
        return latest.Select(run => new ScalingDecision(run, run.Action == ScalingAction.Held ? HeldUntil(run, history, window) : null)).ToList();
    }

    /// <summary>The latest cost-shares runs, newest first, with how many players split each bill.</summary>
    public async Task<IReadOnlyList<CostDecision>> CostsAsync(CancellationToken cancellationToken) =>
        await db.ShareSnapshots.AsNoTracking()
            .OrderByDescending(s => s.Id)
            .Take(Shown)
            .Select(s => new CostDecision(s.TakenAt, s.BillYen, s.CostPerReplicaYen, s.ObservedReplicas, s.Shares.Count, s.TotalScore, s.IsSimulated))
            .ToListAsync(cancellationToken);

    /// <summary>Now, for the "as of" line.</summary>
    public DateTimeOffset Now => Local(time.GetUtcNow());

    /// <summary>
    /// When the replicas may next go down: the policy keeps them at the highest target recommended within the
    /// window (ReplicaPolicy), so the hold lasts until the latest run that asked for at least the current count
    /// leaves the window; while the window has not been watched whole, until it has.
    /// </summary>
    private static DateTimeOffset HeldUntil(ScalingRun run, List<Recommendation> history, TimeSpan window)
    {
        var inWindow = history.Where(r => r.At > run.At - window && r.At <= run.At).ToList();
        var current = run.ReplicasBefore ?? run.Target;
        var holding = inWindow.Where(r => r.Target >= current).Select(r => (DateTimeOffset?)r.At).Max();
        var firstWatched = history.Where(r => r.At <= run.At).Select(r => (DateTimeOffset?)r.At).Min() ?? run.At;
        return (holding ?? firstWatched) + window;
    }
}

/// <summary>One scaling run and, when it held, until when.</summary>
public sealed record ScalingDecision(ScalingRun Run, DateTimeOffset? HeldUntil);

/// <summary>One cost-shares run: the bill, the players who split it and their total score.</summary>
public sealed record CostDecision(DateTimeOffset TakenAt, long BillYen, long CostPerReplicaYen, int ObservedReplicas, int Players, decimal TotalScore, bool IsSimulated);
