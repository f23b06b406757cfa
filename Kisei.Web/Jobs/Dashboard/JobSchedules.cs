using System.Globalization;
using Quartz;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>Reads a trigger's schedule into a <see cref="JobSchedule"/> the page can put into words.</summary>
public static class JobSchedules
{
    /// <summary>The schedule of a trigger that fires again and again, or null for one that fires once.</summary>
    public static JobSchedule? Describe(ITrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return trigger switch
        {
            ISimpleTrigger simple when simple.RepeatCount != 0 => Every(simple.RepeatInterval),
            ICronTrigger cron => FromCron(cron.CronExpressionString ?? string.Empty, cron.TimeZone?.Id),
            ICalendarIntervalTrigger calendar => new JobSchedule(JobScheduleKind.Every, calendar.RepeatInterval, calendar.RepeatIntervalUnit),
            IDailyTimeIntervalTrigger daily when daily.RepeatCount != 0 => new JobSchedule(JobScheduleKind.Every, daily.RepeatInterval, daily.RepeatIntervalUnit),
            _ => null,
        };
    }

    /// <summary>An interval in the largest unit it is a whole number of.</summary>
    public static JobSchedule Every(TimeSpan interval)
    {
        (long ticks, IntervalUnit unit)[] units =
        [
            (TimeSpan.TicksPerDay, IntervalUnit.Day),
            (TimeSpan.TicksPerHour, IntervalUnit.Hour),
            (TimeSpan.TicksPerMinute, IntervalUnit.Minute),
            (TimeSpan.TicksPerSecond, IntervalUnit.Second),
        ];
        foreach (var (ticks, unit) in units)
        {
            if (interval.Ticks >= ticks && interval.Ticks % ticks == 0)
            {
                return new JobSchedule(JobScheduleKind.Every, (int)Math.Min(interval.Ticks / ticks, int.MaxValue), unit);
            }
        }

        return new JobSchedule(JobScheduleKind.Every, (int)Math.Min(Math.Round(interval.TotalMilliseconds), int.MaxValue), IntervalUnit.Millisecond);
    }

    /// <summary>
    /// Reads the common shapes of a Quartz cron expression (seconds minutes hours day-of-month month
    /// day-of-week [year]): once a day, and every N seconds, minutes or hours. Anything else stays cron.
    /// </summary>
    public static JobSchedule FromCron(string expression, string? timeZone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var asCron = new JobSchedule(JobScheduleKind.Cron, Cron: expression, TimeZone: timeZone);
        if (fields.Length is < 6 or > 7
            || !IsAny(fields[3]) || !IsAny(fields[4]) || !IsAny(fields[5]) || (fields.Length == 7 && !IsAny(fields[6])))
        {
            return asCron;
        }

        var (seconds, minutes, hours) = (fields[0], fields[1], fields[2]);
        if (Number(seconds, 59) is { } s && Number(minutes, 59) is { } m && Number(hours, 23) is { } h)
        {
            return new JobSchedule(JobScheduleKind.Daily, At: new TimeOnly(h, m, s), Cron: expression, TimeZone: timeZone);
        }

        if (Number(seconds, 59) is not null && Number(minutes, 59) is not null && Step(hours) is { } everyHours)
        {
            return new JobSchedule(JobScheduleKind.Every, everyHours, IntervalUnit.Hour);
        }

        if (Number(seconds, 59) is not null && Step(minutes) is { } everyMinutes && hours == "*")
        {
            return new JobSchedule(JobScheduleKind.Every, everyMinutes, IntervalUnit.Minute);
        }

        if (Step(seconds) is { } everySeconds && minutes == "*" && hours == "*")
        {
            return new JobSchedule(JobScheduleKind.Every, everySeconds, IntervalUnit.Second);
        }

        return asCron;
    }

    private static bool IsAny(string field) => field is "*" or "?";

    private static int? Number(string field, int max) =>
        int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max ? value : null;

    /// <summary>"*" is every 1; "*/N" and "0/N" are every N.</summary>
    private static int? Step(string field)
    {
        if (field == "*")
        {
            return 1;
        }

        var slash = field.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && field[..slash] is "*" or "0"
            && int.TryParse(field[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var step) && step > 0
            ? step
            : null;
    }
}
