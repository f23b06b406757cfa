using Kisei.Web.Jobs.Dashboard;
using Quartz;

namespace Kisei.Web.Tests.Jobs;

public sealed class JobSchedulesTests
{
    [Theory]
    [InlineData(30, 30, IntervalUnit.Second)]
    [InlineData(90, 90, IntervalUnit.Second)]
    [InlineData(600, 10, IntervalUnit.Minute)]
    [InlineData(7200, 2, IntervalUnit.Hour)]
    [InlineData(86400, 1, IntervalUnit.Day)]
    public void An_interval_is_read_in_the_largest_unit_it_is_a_whole_number_of(int seconds, int every, IntervalUnit unit)
    {
        var schedule = JobSchedules.Every(TimeSpan.FromSeconds(seconds));

        Assert.Equal(new JobSchedule(JobScheduleKind.Every, every, unit), schedule);
    }

    [Fact]
    public void A_fraction_of_a_second_is_read_in_milliseconds()
    {
        Assert.Equal(new JobSchedule(JobScheduleKind.Every, 1500, IntervalUnit.Millisecond), JobSchedules.Every(TimeSpan.FromMilliseconds(1500)));
    }

    [Theory]
    [InlineData("0 30 3 * * ?", 3, 30, 0)]
    [InlineData("15 0 23 ? * *", 23, 0, 15)]
    [InlineData("0 0 0 * * ? *", 0, 0, 0)]
    public void A_cron_expression_firing_once_a_day_reads_as_daily(string expression, int hour, int minute, int second)
    {
        var schedule = JobSchedules.FromCron(expression, "Asia/Tokyo");

        Assert.Equal(JobScheduleKind.Daily, schedule.Kind);
        Assert.Equal(new TimeOnly(hour, minute, second), schedule.At);
        Assert.Equal("Asia/Tokyo", schedule.TimeZone);
    }

    [Theory]
    [InlineData("0/10 * * * * ?", 10, IntervalUnit.Second)]
    [InlineData("* * * * * ?", 1, IntervalUnit.Second)]
    [InlineData("0 */5 * * * ?", 5, IntervalUnit.Minute)]
    [InlineData("0 * * * * ?", 1, IntervalUnit.Minute)]
    [InlineData("0 0 0/6 * * ?", 6, IntervalUnit.Hour)]
    public void A_cron_expression_stepping_one_field_reads_as_an_interval(string expression, int every, IntervalUnit unit)
    {
        Assert.Equal(new JobSchedule(JobScheduleKind.Every, every, unit), JobSchedules.FromCron(expression, null));
    }

    [Theory]
    [InlineData("0 0 12 ? * MON-FRI")]
    [InlineData("0 0 3 1 * ?")]
    [InlineData("0 15,45 * * * ?")]
    [InlineData("0 5/15 * * * ?")]
    [InlineData("not a cron expression")]
    public void Any_other_cron_expression_stays_as_written(string expression)
    {
        var schedule = JobSchedules.FromCron(expression, null);

        Assert.Equal(JobScheduleKind.Cron, schedule.Kind);
        Assert.Equal(expression, schedule.Cron);
    }

    [Fact]
    public void A_trigger_that_fires_once_has_no_schedule()
    {
        var once = TriggerBuilder.Create().WithIdentity("once").ForJob("job").StartNow().Build();
        var repeating = TriggerBuilder.Create().WithIdentity("repeating").ForJob("job").StartNow()
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(10)).RepeatForever()).Build();
        var cron = TriggerBuilder.Create().WithIdentity("cron").ForJob("job").WithCronSchedule("0 0 4 * * ?").Build();

        Assert.Null(JobSchedules.Describe(once));
        Assert.Equal(new JobSchedule(JobScheduleKind.Every, 10, IntervalUnit.Second), JobSchedules.Describe(repeating));
        Assert.Equal(JobScheduleKind.Daily, JobSchedules.Describe(cron)!.Kind);
    }
}
