using System.Globalization;
using Kisei.Web.Jobs.Dashboard;
using Microsoft.Extensions.Localization;
using Quartz;

namespace Kisei.Web.Pages.Jobs;

/// <summary>The dashboard's words for schedules, results and states, and its time and duration formats.</summary>
public static class JobText
{
    /// <summary>UTC, to the second: the nodes of a cluster may sit in different time zones, the history does not.</summary>
    public static string Time(DateTimeOffset? utc) =>
        utc?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "—";

    /// <summary>The machine-readable form for <c>&lt;time datetime&gt;</c>.</summary>
    public static string IsoTime(DateTimeOffset utc) => utc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "—",
        { TotalSeconds: < 1 } d => string.Create(CultureInfo.InvariantCulture, $"{d.TotalMilliseconds:0} ms"),
        { TotalMinutes: < 1 } d => string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.00} s"),
        var d => string.Create(CultureInfo.InvariantCulture, $"{(int)d.Value.TotalMinutes} min {d.Value.Seconds} s"),
    };

    public static string Schedule(JobSchedule schedule, IStringLocalizer text)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(text);
        var zone = schedule.TimeZone is null ? string.Empty : $" ({schedule.TimeZone})";
        return schedule.Kind switch
        {
            JobScheduleKind.Every => schedule.Unit switch
            {
                IntervalUnit.Millisecond => text["{0} ミリ秒ごと", schedule.Every],
                IntervalUnit.Second => text["{0} 秒ごと", schedule.Every],
                IntervalUnit.Minute => text["{0} 分ごと", schedule.Every],
                IntervalUnit.Hour => text["{0} 時間ごと", schedule.Every],
                IntervalUnit.Day => text["{0} 日ごと", schedule.Every],
                IntervalUnit.Week => text["{0} 週間ごと", schedule.Every],
                IntervalUnit.Month => text["{0} か月ごと", schedule.Every],
                _ => text["{0} 年ごと", schedule.Every],
            },
            JobScheduleKind.Daily => text["毎日 {0}", schedule.At!.Value.ToString("HH:mm:ss", CultureInfo.InvariantCulture)] + zone,
            _ => text["cron 式 {0}", schedule.Cron ?? string.Empty] + zone,
        };
    }

    public static string Result(JobRunResult? result, IStringLocalizer text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return result switch
        {
            null => "—",
            JobRunResult.Succeeded => text["成功"],
            JobRunResult.Failed => text["失敗"],
            JobRunResult.Cancelled => text["中止"],
            _ => text["スキップ"],
        };
    }

    public static string State(JobState state, IStringLocalizer text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return state switch
        {
            JobState.Normal => text["有効"],
            JobState.Paused => text["一時停止中"],
            JobState.Error => text["エラー"],
            _ => text["待機"],
        };
    }

    public static string NodeState(ClusterNodeState state, IStringLocalizer text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return state switch
        {
            ClusterNodeState.Alive => text["稼働中"],
            ClusterNodeState.Overdue => text["応答遅れ"],
            _ => text["停止"],
        };
    }

    public static string FireState(FireInstanceState state, IStringLocalizer text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return state == FireInstanceState.Executing ? text["実行中"] : text["開始待ち"];
    }
}
