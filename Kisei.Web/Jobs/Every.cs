using System.Globalization;

namespace Kisei.Web.Jobs;

/// <summary>
/// An interval as a 6-field cron (seconds first), for the recurring jobs whose options give an interval.
/// Cron fires on the clock, so only intervals that divide a minute, an hour or a day keep an even beat.
/// </summary>
public static class Every
{
    /// <summary>The cron for an interval that divides a minute, an hour or a day; null for any other.</summary>
    public static string? Cron(int seconds) => seconds switch
    {
        > 0 and < 60 when 60 % seconds == 0 => $"*/{seconds.ToString(CultureInfo.InvariantCulture)} * * * * *",
        60 => "0 * * * * *",
        > 60 and < 3600 when seconds % 60 == 0 && 3600 % seconds == 0 => $"0 */{(seconds / 60).ToString(CultureInfo.InvariantCulture)} * * * *",
        3600 => "0 0 * * * *",
        _ => null,
    };

    /// <summary>The validation message for an interval <see cref="Cron"/> cannot express.</summary>
    public static string Refusal(string key) =>
        $"{key} must divide a minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 s) or an hour (whole minutes that divide 60), so the schedule keeps an even beat.";
}
