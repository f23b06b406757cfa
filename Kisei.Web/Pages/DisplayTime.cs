using System.Globalization;
using Kisei.Web.Billing;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Pages;

/// <summary>
/// Every time a page shows is in the billing time zone (Billing:TimeZone), the zone the periods are
/// counted in, so one screen never mixes server time, UTC and the billing month.
/// </summary>
public sealed class DisplayTime(IOptions<BillingOptions> options)
{
    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>The zone's IANA name, shown beside times (for example Asia/Tokyo).</summary>
    public string ZoneName => options.Value.TimeZone;

    /// <summary>The instant on the zone's clock.</summary>
    public DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, zone);

    /// <summary>HH:mm on the zone's clock.</summary>
    public string Clock(DateTimeOffset instant) => Local(instant).ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>HH:mm:ss on the zone's clock.</summary>
    public string ClockSeconds(DateTimeOffset instant) => Local(instant).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>yyyy-MM-dd HH:mm on the zone's clock.</summary>
    public string DateAndClock(DateTimeOffset instant) => Local(instant).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The machine-readable form for a &lt;time datetime&gt; attribute.</summary>
    public static string Iso(DateTimeOffset instant) => instant.ToString("O", CultureInfo.InvariantCulture);
}
