using System.Globalization;
using Kisei.Web.Jobs.Dashboard;

namespace Kisei.Web.Pages.Jobs;

/// <summary>
/// SVG geometry for the runs-per-minute chart: one column per minute, succeeded runs stacked under
/// failed ones, on a scale whose top is a round number at least as tall as the busiest minute.
/// </summary>
public static class RunsChartGeometry
{
    public const int Width = 600;
    public const int Height = 180;
    public const int Left = 36;
    public const int Right = 596;
    public const int Top = 10;
    public const int Bottom = 150;

    /// <summary>The value at the top of the scale: 1, 2 or 5 times a power of ten, never below the busiest minute.</summary>
    public static int ScaleMax(RunsPerMinute runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var busiest = runs.Minutes.Count == 0 ? 0 : runs.Minutes.Max(m => m.Succeeded + m.Failed);
        for (var power = 1; ; power *= 10)
        {
            foreach (var step in (ReadOnlySpan<int>)[1, 2, 5])
            {
                if (step * power >= busiest)
                {
                    return step * power;
                }
            }
        }
    }

    /// <summary>The column of each minute, oldest at the left.</summary>
    public static IReadOnlyList<RunsColumn> Columns(RunsPerMinute runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var scale = (double)(Bottom - Top) / ScaleMax(runs);
        var pitch = (double)(Right - Left) / Math.Max(runs.Minutes.Count, 1);
        var columns = new RunsColumn[runs.Minutes.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var minute = runs.Minutes[i];
            var succeededHeight = minute.Succeeded * scale;
            var failedHeight = minute.Failed * scale;
            columns[i] = new RunsColumn(
                minute,
                Left + (i * pitch) + 1,
                Math.Max(pitch - 2, 1),
                Bottom - succeededHeight,
                succeededHeight,
                Bottom - succeededHeight - failedHeight,
                failedHeight);
        }

        return columns;
    }

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>One minute's column: the succeeded bar from the baseline, the failed bar on top of it.</summary>
public sealed record RunsColumn(MinuteRuns Minute, double X, double Width, double SucceededY, double SucceededHeight, double FailedY, double FailedHeight);
