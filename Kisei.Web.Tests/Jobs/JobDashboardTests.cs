using System.Globalization;
using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Kisei.Web.Data;
using Kisei.Web.Jobs;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Kisei.Web.Tests.Jobs;

/// <summary>/jobs on a real Kisei: real Quartz, clustered on the test's PostgreSQL, with its execution history.</summary>
public sealed class JobDashboardTests(JobsAppFixture fixture) : IClassFixture<JobsAppFixture>
{
    private const string RecoveryJob = "screams.recover-pending-screams";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in()
    {
        using var client = fixture.App.CreateBrowserClient();

        using var page = await client.GetAsync("/jobs", Ct);
        using var history = await client.GetAsync($"/jobs/history?job={RecoveryJob}", Ct);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/", page.Headers.Location!.AbsolutePath());
        Assert.Contains("ReturnUrl=%2Fjobs", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, history.StatusCode);
        Assert.Equal("/", history.Headers.Location!.AbsolutePath());
    }

    [Fact]
    public async Task Players_who_are_not_admins_are_refused_and_cannot_pause_a_job()
    {
        using var player = await PlayerClient.SignInAsync(fixture.App, "not-an-admin");
        var home = await player.GetDocumentAsync("/");
        var token = home.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

        using var page = await player.Http.GetAsync("/jobs", Ct);
        using var chart = await player.Http.GetAsync("/jobs?handler=Chart", Ct);
        using var pause = await player.Http.PostAsync(
            "/jobs?handler=Pause",
            new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("job", RecoveryJob)]),
            Ct);

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("このページを見る権限がありません。", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, chart.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, pause.StatusCode);
        var scheduler = await SchedulerAsync();
        var triggers = await scheduler.GetTriggersOfJob(new JobKey("recover-pending-screams", "screams"), Ct);
        foreach (var trigger in triggers)
        {
            Assert.NotEqual(TriggerState.Paused, await scheduler.GetTriggerState(trigger.Key, Ct));
        }
    }

    [Fact]
    public async Task Admins_see_the_jobs_the_runs_the_failures_and_the_cluster()
    {
        using var admin = await AdminAsync();

        var page = await admin.GetDocumentAsync("/jobs");

        foreach (var section in new[] { "#chart", "#recurring", "#on-demand", "#running", "#failures", "#nodes" })
        {
            Assert.NotNull(page.QuerySelector(section));
        }

        var recovery = page.QuerySelector($"[data-testid=recurring-jobs] tr[data-job='{RecoveryJob}']");
        Assert.NotNull(recovery);
        Assert.Contains("30 秒ごと", recovery.TextContent, StringComparison.Ordinal);
        Assert.Equal("normal", recovery.GetAttribute("data-state"));
        Assert.NotNull(recovery.QuerySelector("form.trigger-job"));
        Assert.NotNull(recovery.QuerySelector("form.pause-job"));
        // The scoring job has no schedule of its own: one trigger per scream.
        Assert.NotNull(page.QuerySelector("[data-testid=on-demand-jobs] tr[data-job='screams.score-scream']"));
        Assert.Null(page.QuerySelector("[data-testid=recurring-jobs] tr[data-job='screams.score-scream']"));
        var nodes = page.QuerySelectorAll("[data-testid=cluster-nodes] tbody tr");
        var current = Assert.Single(nodes, n => n.TextContent.Contains("このノード", StringComparison.Ordinal));
        Assert.Equal("alive", current.GetAttribute("data-state"));
    }

    [Fact]
    public async Task The_dashboard_speaks_English_to_English_browsers()
    {
        using var admin = await AdminAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/jobs");
        request.Headers.AcceptLanguage.ParseAdd("en");

        using var response = await admin.Http.SendAsync(request, Ct);
        var page = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal("Recurring jobs", page.QuerySelector("#recurring h2")!.TextContent);
        Assert.Contains("every 30 s", page.QuerySelector($"tr[data-job='{RecoveryJob}']")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("Run now", page.QuerySelector($"tr[data-job='{RecoveryJob}'] form.trigger-job button")!.TextContent);
    }

    [Fact]
    public async Task Scoring_runs_on_demand_and_its_history_shows_each_scream_scored()
    {
        using var admin = await AdminAsync();
        var id = await admin.UploadAcceptedAsync(TestClips.Scream());
        await admin.WaitUntilScoredAsync(id);

        IHtmlDocument history = null!;
        await Eventually.UntilAsync(
            async () =>
            {
                history = await admin.GetDocumentAsync("/jobs/history?job=screams.score-scream");
                return history.QuerySelector("tr.run[data-result=succeeded]") is not null;
            },
            "the scoring job's history shows a successful run",
            TimeSpan.FromSeconds(20));

        Assert.Equal("随時ジョブ", history.QuerySelector(".job-facts dd")!.TextContent);
        Assert.Null(history.QuerySelector("form.pause-job"));
        var run = history.QuerySelector("tr.run[data-result=succeeded]")!;
        Assert.Equal(await SchedulerInstanceIdAsync(), run.QuerySelector(".node")!.TextContent);
        var dashboard = await admin.GetDocumentAsync("/jobs");
        var row = dashboard.QuerySelector("[data-testid=on-demand-jobs] tr[data-job='screams.score-scream']")!;
        Assert.Contains("成功", row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_job_is_not_found()
    {
        using var admin = await AdminAsync();
        var home = await admin.GetDocumentAsync("/jobs");
        var token = home.QuerySelector<IHtmlInputElement>("form.trigger-job input[name=__RequestVerificationToken]")!.Value;

        using var history = await admin.Http.GetAsync("/jobs/history?job=nobody.nothing", Ct);
        using var noDot = await admin.Http.GetAsync("/jobs/history?job=nothing", Ct);
        using var trigger = await admin.Http.PostAsync(
            "/jobs?handler=Trigger",
            new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("job", "nobody.nothing")]),
            Ct);

        Assert.Equal(HttpStatusCode.NotFound, history.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noDot.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, trigger.StatusCode);
    }

    [Fact]
    public async Task The_chart_fragment_is_an_svg_of_the_last_hour_that_polls_itself()
    {
        using var admin = await AdminAsync();
        IElement? figure = null;

        // The recovery sweep runs at start, so the last hour holds at least one successful run.
        await Eventually.UntilAsync(
            async () =>
            {
                figure = await ChartAsync(admin);
                return int.Parse(figure.GetAttribute("data-succeeded")!, CultureInfo.InvariantCulture) > 0;
            },
            "the chart counts a successful run",
            TimeSpan.FromSeconds(30));

        Assert.Equal("runs-chart", figure!.Id);
        Assert.Contains("every", figure.GetAttribute("hx-trigger"), StringComparison.Ordinal);
        Assert.Equal("/jobs?handler=Chart", figure.GetAttribute("hx-get"));
        Assert.Equal("outerHTML", figure.GetAttribute("hx-swap"));
        var svg = figure.QuerySelector("svg");
        Assert.NotNull(svg);
        Assert.Equal(60, svg.QuerySelectorAll("g.minute").Length);
        Assert.NotEmpty(svg.QuerySelectorAll("rect.succeeded"));
    }

    [Fact]
    public async Task Trigger_now_runs_the_job_at_once()
    {
        using var admin = await AdminAsync();
        Assert.Empty(await ManualRunsAsync(admin, RecoveryJob));

        using var response = await SubmitAsync(admin, "/jobs", $"tr[data-job='{RecoveryJob}'] form.trigger-job");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/jobs", response.Headers.Location!.OriginalString);
        // The schedule fires every 30 s; a manual run is marked as one, so it cannot be mistaken for the schedule's.
        await Eventually.UntilAsync(
            async () => (await ManualRunsAsync(admin, RecoveryJob)).Any(r => r.GetAttribute("data-result") == "succeeded"),
            "the history shows a manual, successful run",
            TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_paused_job_stops_firing_until_it_is_resumed()
    {
        using var admin = await AdminAsync();
        const string jobId = "tests.tick-every-second";
        var scheduler = await SchedulerAsync();
        await scheduler.ScheduleJob(
            JobBuilder.Create<TickJob>().WithIdentity("tick-every-second", "tests").WithDescription("Ticks for the pause test").Build(),
            TriggerBuilder.Create().WithIdentity("tick-every-second", "tests").StartNow()
                .WithSimpleSchedule(schedule => schedule.WithInterval(TimeSpan.FromSeconds(1)).RepeatForever()).Build(),
            cancellationToken: Ct);
        await Eventually.UntilAsync(async () => await RunCountAsync(admin, jobId) >= 2, "the job has run twice", TimeSpan.FromSeconds(20));

        using (var pause = await SubmitAsync(admin, $"/jobs/history?job={jobId}", "form.pause-job"))
        {
            Assert.Equal(HttpStatusCode.Redirect, pause.StatusCode);
            Assert.Equal($"/jobs/history?job={jobId}", pause.Headers.Location!.OriginalString);
        }

        var pausedAt = DateTimeOffset.UtcNow;
        var dashboard = await admin.GetDocumentAsync("/jobs");
        var row = dashboard.QuerySelector($"[data-testid=recurring-jobs] tr[data-job='{jobId}']")!;
        Assert.Equal("paused", row.GetAttribute("data-state"));
        Assert.Equal("一時停止中", row.QuerySelector("[data-testid=state]")!.TextContent.Trim());
        Assert.NotNull(row.QuerySelector("form.resume-job"));
        // A run already under way when the pause landed fired before it; none may fire after.
        await Eventually.HoldsAsync(
            async () => await NewestFireAsync(admin, jobId) < pausedAt,
            "no run fired after the pause",
            TimeSpan.FromSeconds(4));

        using (var resume = await SubmitAsync(admin, $"/jobs/history?job={jobId}", "form.resume-job"))
        {
            Assert.Equal(HttpStatusCode.Redirect, resume.StatusCode);
        }

        var resumedAt = DateTimeOffset.UtcNow;
        await Eventually.UntilAsync(
            async () => await NewestFireAsync(admin, jobId) >= resumedAt.AddMilliseconds(-1),
            "the job fires again after the resume",
            TimeSpan.FromSeconds(20));
        var history = await admin.GetDocumentAsync($"/jobs/history?job={jobId}");
        Assert.Equal("normal", history.QuerySelector(".job-facts")!.GetAttribute("data-state"));
        await scheduler.DeleteJob(new JobKey("tick-every-second", "tests"), Ct);
    }

    [Fact]
    public async Task A_failed_run_shows_its_message_and_stack_trace_in_the_history_and_the_failures()
    {
        using var admin = await AdminAsync();
        const string jobId = "tests.throws-once";
        var message = $"Deliberate failure {Guid.NewGuid():N}";
        var scheduler = await SchedulerAsync();
        await scheduler.ScheduleJob(
            JobBuilder.Create<ThrowingJob>().WithIdentity("throws-once", "tests").UsingJobData(ThrowingJob.MessageKey, message).Build(),
            TriggerBuilder.Create().WithIdentity("throws-once", "tests").StartNow().Build(),
            cancellationToken: Ct);

        IHtmlDocument history = null!;
        await Eventually.UntilAsync(
            async () =>
            {
                history = await admin.GetDocumentAsync($"/jobs/history?job={jobId}");
                return history.QuerySelector("tr.run[data-result=failed] pre.stack-trace") is not null;
            },
            "the history shows the failed run with its stack trace",
            TimeSpan.FromSeconds(20));

        var run = history.QuerySelector("tr.run[data-result=failed]")!;
        Assert.Equal(message, run.QuerySelector(".error-message")!.TextContent);
        var trace = run.QuerySelector("pre.stack-trace")!.TextContent;
        Assert.StartsWith($"System.InvalidOperationException: {message}", trace, StringComparison.Ordinal);
        Assert.Contains("at Kisei.Web.Tests.Jobs.ThrowingJob.ExplodeOnPurpose(String message)", trace, StringComparison.Ordinal);
        Assert.Equal("1", history.QuerySelector("[data-testid=consecutive-failures]")!.TextContent.Trim());

        var dashboard = await admin.GetDocumentAsync("/jobs");
        var failure = dashboard.QuerySelectorAll("[data-testid=recent-failures] tr.run")
            .Single(r => r.QuerySelector(".error-message")?.TextContent == message);
        Assert.Equal(jobId, failure.QuerySelector("a")!.TextContent);
        Assert.Contains("ExplodeOnPurpose", failure.QuerySelector("pre.stack-trace")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stack_traces_are_kept_for_a_week_and_a_thousand_failures_at_most()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var db = await ContextAsync())
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO job_failures (scheduler_instance_id, fire_instance_id, job_group, job_name, trigger_group, trigger_name,
                                          fired_at, exception_type, message, detail)
                SELECT 'old-node', 'old-' || n, 'tests', 'old', 'tests', 'old', {now.AddDays(-8)}, 'X', 'old', 'old'
                FROM generate_series(1, 5) AS n
                UNION ALL
                SELECT 'busy-node', 'busy-' || n, 'tests', 'busy', 'tests', 'busy', {now.AddDays(-1)} + n * interval '1 second', 'X', 'busy', 'busy'
                FROM generate_series(1, {JobFailureRecorder.MaxRows}) AS n
                """,
                Ct);
        }

        var scheduler = await SchedulerAsync();
        await scheduler.ScheduleJob(
            JobBuilder.Create<ThrowingJob>().WithIdentity("throws-for-retention", "tests").UsingJobData(ThrowingJob.MessageKey, "retention").Build(),
            TriggerBuilder.Create().WithIdentity("throws-for-retention", "tests").StartNow().Build(),
            cancellationToken: Ct);

        // The recorder inserts, then trims in a second statement.
        await Wait.UntilAsync(
            () => CountFailures("tests", "throws-for-retention") == 1 && CountFailures("tests", "old") == 0,
            "the new failure is recorded and the week-old ones are gone",
            TimeSpan.FromSeconds(20));
        // The newest thousand stay: the new failure and all but the oldest of the busy ones.
        await using var check = await ContextAsync();
        Assert.Equal(JobFailureRecorder.MaxRows, await check.Set<JobFailure>().CountAsync(Ct));
        Assert.False(await check.Set<JobFailure>().AnyAsync(f => f.FireInstanceId == "busy-1", Ct));
    }

    /// <summary>Posts a form as a browser would: every named input, hidden ones and the antiforgery token included.</summary>
    private static async Task<HttpResponseMessage> SubmitAsync(PlayerClient client, string path, string formSelector)
    {
        var page = await client.GetDocumentAsync(path);
        var form = page.QuerySelector<IHtmlFormElement>(formSelector) ?? throw new InvalidOperationException($"{path} has no form {formSelector}.");
        var fields = form.QuerySelectorAll<IHtmlInputElement>("input[name]").Select(i => new KeyValuePair<string, string>(i.Name!, i.Value));
        return await client.Http.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(fields), Ct);
    }

    private Task<PlayerClient> AdminAsync() => fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);

    private async Task<IScheduler> SchedulerAsync() =>
        await fixture.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);

    private async Task<string> SchedulerInstanceIdAsync() => (await SchedulerAsync()).SchedulerInstanceId;

    private async Task<KiseiDbContext> ContextAsync() =>
        await fixture.App.Services.GetRequiredService<IDbContextFactory<KiseiDbContext>>().CreateDbContextAsync(Ct);

    private int CountFailures(string group, string name)
    {
        using var db = ContextAsync().GetAwaiter().GetResult();
        return db.Set<JobFailure>().Count(f => f.JobGroup == group && f.JobName == name);
    }

    private static async Task<IElement> ChartAsync(PlayerClient admin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/jobs?handler=Chart");
        request.Headers.Add("HX-Request", "true");
        using var response = await admin.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("<html", html, StringComparison.OrdinalIgnoreCase);
        var fragment = await new HtmlParser().ParseDocumentAsync(html);
        return fragment.Body!.FirstElementChild!;
    }

    private static async Task<IReadOnlyList<IElement>> ManualRunsAsync(PlayerClient admin, string jobId)
    {
        var history = await admin.GetDocumentAsync($"/jobs/history?job={jobId}");
        return history.QuerySelectorAll("tr.run").Where(r => r.QuerySelector("[data-testid=manual]") is not null).ToList();
    }

    private static async Task<long> RunCountAsync(PlayerClient admin, string jobId)
    {
        var history = await admin.GetDocumentAsync($"/jobs/history?job={jobId}");
        return long.Parse(history.QuerySelector("[data-testid=run-count]")!.TextContent, CultureInfo.InvariantCulture);
    }

    private static async Task<DateTimeOffset> NewestFireAsync(PlayerClient admin, string jobId)
    {
        var history = await admin.GetDocumentAsync($"/jobs/history?job={jobId}");
        return history.QuerySelectorAll("tr.run time")
            .Select(t => DateTimeOffset.Parse(t.GetAttribute("datetime")!, CultureInfo.InvariantCulture))
            .DefaultIfEmpty(DateTimeOffset.MinValue)
            .Max();
    }
}

internal static class UriPaths
{
    /// <summary>The path of a Location header, whether the server sent it absolute or relative.</summary>
    public static string AbsolutePath(this Uri location) =>
        location.IsAbsoluteUri ? location.AbsolutePath : new Uri(new Uri("https://localhost"), location).AbsolutePath;
}
