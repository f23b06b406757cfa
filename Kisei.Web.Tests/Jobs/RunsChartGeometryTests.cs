using Kisei.Web.Jobs.Dashboard;
using Kisei.Web.Pages.Jobs;

namespace Kisei.Web.Tests.Jobs;

public sealed class RunsChartGeometryTests
{
    private static readonly DateTimeOffset From = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 5)]
    [InlineData(7, 10)]
    [InlineData(11, 20)]
    [InlineData(60, 100)]
    [InlineData(120, 200)]
    public void The_scale_tops_out_at_a_round_number_no_lower_than_the_busiest_minute(int busiest, int expected)
    {
        var runs = Runs((0, 0), (busiest - (busiest / 3), busiest / 3));

        Assert.Equal(expected, RunsChartGeometry.ScaleMax(runs));
    }

    [Fact]
    public void Failed_runs_stack_on_succeeded_ones_and_the_busiest_minute_reaches_the_top()
    {
        var runs = Runs((3, 1), (0, 0), (1, 0));

        var columns = RunsChartGeometry.Columns(runs);

        Assert.Equal(3, columns.Count);
        var busiest = columns[0];
        var unit = (double)(RunsChartGeometry.Bottom - RunsChartGeometry.Top) / 5;
        Assert.Equal(3 * unit, busiest.SucceededHeight, 6);
        Assert.Equal(RunsChartGeometry.Bottom, busiest.SucceededY + busiest.SucceededHeight, 6);
        Assert.Equal(unit, busiest.FailedHeight, 6);
        Assert.Equal(busiest.SucceededY, busiest.FailedY + busiest.FailedHeight, 6);
        Assert.Equal(0, columns[1].SucceededHeight);
        Assert.Equal(0, columns[1].FailedHeight);
    }

    [Fact]
    public void Columns_run_left_to_right_in_time_order_within_the_plot()
    {
        var columns = RunsChartGeometry.Columns(Runs(Enumerable.Repeat((1, 0), 60).ToArray()));

        Assert.Equal(60, columns.Count);
        Assert.True(columns[0].X >= RunsChartGeometry.Left);
        Assert.True(columns[^1].X + columns[^1].Width <= RunsChartGeometry.Right);
        Assert.All(columns.Zip(columns.Skip(1)), pair => Assert.True(pair.First.X + pair.First.Width <= pair.Second.X));
        Assert.Equal(From.AddMinutes(59), columns[^1].Minute.StartUtc);
    }

    private static RunsPerMinute Runs(params (int Succeeded, int Failed)[] minutes) =>
        new(From, minutes.Select((m, i) => new MinuteRuns(From.AddMinutes(i), m.Succeeded, m.Failed)).ToList());
}
