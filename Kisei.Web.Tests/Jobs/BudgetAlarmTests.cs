using Kisei.Web.Billing;
using Kisei.Web.Metrics;
using Kisei.Web.Tests.Billing;
using Kisei.Web.Tests.Infrastructure;
using Kisei.Web.Tests.Scaling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Jobs;

/// <summary>The budget alarm: the month's projected bill against a share of the budget.</summary>
public sealed class BudgetAlarmTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_alarm_fires_once_when_the_projection_passes_the_threshold_and_clears_when_it_falls_back()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "budget-alarm");
        // Mid-month, so the projection weighs the month so far and the replicas now about equally.
        var clock = new FakeClock(new DateTimeOffset(2026, 6, 15, 15, 0, 0, TimeSpan.Zero)); // 16 June, 00:00 in Tokyo
        var options = new BillingOptions { CostPerReplicaYen = 10_000, MonthlyBudgetYen = 50_000, BudgetAlarmShare = 0.8 };
        var log = new RecordingLogger();
        var metrics = new KiseiMetrics();

        // 1 replica for a while: projected 10,000 yen, under the 40,000 yen threshold.
        for (var i = 0; i < 4; i++)
        {
            await CheckAsync(data, clock, options, metrics, log, replicas: 1);
        }

        Assert.Equal(0, metrics.BudgetAlarm.Value);
        Assert.DoesNotContain(log.Messages, m => m.StartsWith("Warning", StringComparison.Ordinal));

        // Then 5 replicas: (1 × 4 + 5 × 2) / 6 replicas so far, 5 from now on: past 40,000 yen after a few ticks.
        var status = (BudgetStatus?)null;
        for (var i = 0; i < 6; i++)
        {
            status = await CheckAsync(data, clock, options, metrics, log, replicas: 5);
        }

        Assert.True(status!.Alarm, $"projected {status.ProjectedYen} yen");
        Assert.Equal(40_000, status.ThresholdYen);
        Assert.Equal(1, metrics.BudgetAlarm.Value);
        Assert.Equal(status.ProjectedYen, metrics.ProjectedBillYen.Value);
        Assert.Single(log.Messages, m => m.StartsWith("Warning", StringComparison.Ordinal) && m.Contains("Budget alarm", StringComparison.Ordinal));

        // Back to 1 replica: the projection falls under the threshold again, and the alarm clears.
        for (var i = 0; i < 20; i++)
        {
            status = await CheckAsync(data, clock, options, metrics, log, replicas: 1);
        }

        Assert.False(status!.Alarm, $"projected {status.ProjectedYen} yen");
        Assert.Equal(0, metrics.BudgetAlarm.Value);
        Assert.Single(log.Messages, m => m.Contains("Budget alarm cleared", StringComparison.Ordinal));
        Assert.Single(log.Messages, m => m.StartsWith("Warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_budget_there_is_no_projection_and_no_alarm()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "budget-none");
        var clock = new FakeClock(new DateTimeOffset(2026, 6, 16, 0, 0, 0, TimeSpan.Zero));
        var metrics = new KiseiMetrics();

        var status = await CheckAsync(data, clock, new BillingOptions { MonthlyBudgetYen = null }, metrics, new RecordingLogger(), replicas: 5);

        Assert.Null(status);
        Assert.Equal(0, metrics.BudgetAlarm.Value);
    }

    /// <summary>Stores a snapshot of one tick at <paramref name="replicas"/>, checks the alarm, and moves the clock 30 s on.</summary>
    private static async Task<BudgetStatus?> CheckAsync(
        MoneyDatabase data, FakeClock clock, BillingOptions options, KiseiMetrics metrics, RecordingLogger log, int replicas)
    {
        await using var db = data.Context();
        var periods = new BillingPeriods(clock, Options.Create(options));
        var snapshot = new ShareSnapshot
        {
            TakenAt = clock.GetUtcNow(),
            Period = periods.Of(clock.GetUtcNow()),
            BillYen = options.CostPerReplicaYen * replicas,
            CostPerReplicaYen = options.CostPerReplicaYen,
            ObservedReplicas = replicas,
        };
        db.ShareSnapshots.Add(snapshot);
        await db.SaveChangesAsync(Ct);
        var alarm = new BudgetAlarm(db, periods, metrics, Options.Create(options), new TypedLogger(log));
        await alarm.CheckAsync(snapshot, Ct);
        clock.Advance(TimeSpan.FromSeconds(30));
        return await alarm.StatusAsync(Ct);
    }

    private sealed class TypedLogger(RecordingLogger inner) : ILogger<BudgetAlarm>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
