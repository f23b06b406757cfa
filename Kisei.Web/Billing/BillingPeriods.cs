using Microsoft.Extensions.Options;

namespace Kisei.Web.Billing;

/// <summary>
/// Billing periods are calendar months in the configured time zone (docs/design.md §1.2); a period is
/// named by its first day.
/// </summary>
public sealed class BillingPeriods(TimeProvider time, IOptions<BillingOptions> options)
{
    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>The period running now.</summary>
    public DateOnly Current => Of(time.GetUtcNow());

    /// <summary>The period an instant falls in.</summary>
    public DateOnly Of(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return new DateOnly(local.Year, local.Month, 1);
    }

    /// <summary>The instants a period starts and ends at (the next period's start).</summary>
    public (DateTimeOffset Start, DateTimeOffset End) Bounds(DateOnly period) => (StartOf(period), StartOf(period.AddMonths(1)));

    private DateTimeOffset StartOf(DateOnly period)
    {
        var local = period.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
