using System.Globalization;
using System.Text.RegularExpressions;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Kisei.Web.Billing;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Kisei.Web.Tests.Browser;

/// <summary>
/// The admin pages, signed in through GitHub as an admin, in Japanese and English: Kisei's decisions behind the
/// money and the machines, and every page of Hangfire's console reached from its menu (the overview, each job
/// state's list, a queue, retries, recurring jobs, servers, Kisei's pause page, and a failed and a scheduled job's
/// details), each with jobs to show. axe-core finds no violation, no page overflows a 390 px phone, and each
/// speaks one language, with Kisei's script putting Hangfire's English and its relative times into Japanese. On a
/// browser whose clock is New York's, the console's absolute times are on the billing zone's clock and name it.
/// </summary>
public sealed class AdminPageAuditTests(AdminBrowserAppFixture fixture) : IClassFixture<AdminBrowserAppFixture>
{
    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task The_admin_pages_pass_axe_fit_a_phone_and_speak_one_language(string language)
    {
        // A browser on New York's clock: every time the console shows is still on the billing zone's.
        var (context, page) = await PageAuditTests.OpenAsync(fixture, language, "America/New_York");
        await using var _ = context;
        await page.GotoAsync("/account/signin/github");
        await page.Locator("#recorder").WaitForAsync();
        // A scored scream, so the cost-share decisions have a player and a score to show.
        await PageAuditTests.UploadAndWaitForScoreAsync(page);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await page.GotoAsync("/jobs/costs"))!.Status == 200 && await page.Locator("[data-testid=players]").CountAsync() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no cost-share run shows on /jobs/costs within 30 s");
            await page.WaitForTimeoutAsync(500);
        }

        foreach (var path in new[] { "/jobs/scaling", "/jobs/costs" })
        {
            await page.SetViewportSizeAsync(1280, 800);
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            await PageAuditTests.AuditAsync(page, path, language);

            await page.SetViewportSizeAsync(390, 844);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{path} ({language}) overflows a 390 px screen by {overflow} px");
        }

        // Hangfire's own pages, with Kisei's pause page among them, each with something to show: a job in each
        // state (a scream's score job held at recognition is processing), a pager, and the list's checkboxes.
        var (failed, scheduled) = await CreateJobsInEveryStateAsync();
        using (fixture.HoldScoring())
        {
            await page.GotoAsync("/");
            await page.SetInputFilesAsync("#audio-file", new FilePayload { Name = "held.wav", MimeType = "audio/wav", Buffer = TestClips.Scream() });
            await page.ClickAsync("#upload-form button[type=submit]");
            await page.WaitForURLAsync("**/screams/*", new() { Timeout = 60_000 });
            await Wait.UntilAsync(
                () => Monitoring.ProcessingJobs(0, 20).Any(job => job.Value.Job?.Type == typeof(ScoreScreamJob)),
                "the held score job is processing");
            string[] paths =
            [
                "/hangfire", "/hangfire/jobs/enqueued", $"/hangfire/jobs/enqueued/{AuditQueue}", "/hangfire/jobs/scheduled",
                "/hangfire/jobs/processing", "/hangfire/jobs/succeeded", "/hangfire/jobs/failed", "/hangfire/jobs/deleted",
                "/hangfire/jobs/awaiting", "/hangfire/retries", "/hangfire/recurring", "/hangfire/servers", "/hangfire/kisei/pauses",
                $"/hangfire/jobs/details/{failed}", $"/hangfire/jobs/details/{scheduled}",
            ];
            foreach (var path in paths)
            {
                await page.SetViewportSizeAsync(390, 844);
                var response = await page.GotoAsync(path);
                Assert.Equal(200, response!.Status);
                var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
                Assert.True(overflow <= 0, $"{path} ({language}) overflows a 390 px screen by {overflow} px");

                await page.SetViewportSizeAsync(1280, 800);
                await PageAuditTests.AuditAsync(page, path, language);
            }

            await page.GotoAsync($"/hangfire/jobs/details/{scheduled}");
            await AssertTimesInBillingZoneAsync(page);
            // Hangfire writes its times again every 30 s, in the browser's zone; so does this, at once.
            await page.EvaluateAsync("""
                () => document.querySelectorAll('[data-moment], [data-moment-title], [data-moment-local]').forEach((e) => {
                    const time = new Date(Number(e.getAttribute('data-moment') || e.getAttribute('data-moment-title') || e.getAttribute('data-moment-local')) * 1000).toString();
                    if (e.hasAttribute('data-moment-local')) e.innerHTML = time; else e.setAttribute('title', time);
                })
                """);
            await AssertTimesInBillingZoneAsync(page);
            await page.GotoAsync("/hangfire/kisei/pauses");
            await AssertTimesInBillingZoneAsync(page);
            await AssertGraphsInBillingZoneAsync(page);

            // The lists' parts were really there to be checked.
            await page.GotoAsync("/hangfire/jobs/succeeded");
            Assert.True(await page.Locator("input.js-jobs-list-checkbox").CountAsync() > 0, "the succeeded list shows no job to select");
            Assert.True(await page.Locator(".paginator a[href*='from=']:not([href*='from=0&'])").CountAsync() > 0, "the succeeded list shows no second page");
            await page.GotoAsync("/hangfire/jobs/failed");
            Assert.True(await page.Locator("input.js-jobs-list-checkbox").CountAsync() > 0, "the failed list shows no job");
        }
    }

    private const string AuditQueue = "audit";

    /// <summary>
    /// Every absolute time on the page, Hangfire's (its tooltips' <c>data-moment</c> and <c>data-moment-title</c>,
    /// its <c>data-moment-local</c> texts) and Kisei's (<c>time[datetime]</c>), shows the billing zone's wall clock,
    /// and the zone is named beside it (Hangfire's) or in its column's heading (Kisei's pause page).
    /// </summary>
    private async Task AssertTimesInBillingZoneAsync(IPage page)
    {
        var zoneName = fixture.App.Services.GetRequiredService<IOptions<BillingOptions>>().Value.TimeZone;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        var wrong = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            if (wrong.Count > 0)
            {
                await page.WaitForTimeoutAsync(200);
            }

            wrong.Clear();
            var times = await page.EvaluateAsync<ShownTime[]>("""
                () => [
                    ...[...document.querySelectorAll('[data-moment], [data-moment-title]')].map((e) => ({
                        seconds: Number(e.getAttribute('data-moment') || e.getAttribute('data-moment-title')),
                        text: e.getAttribute('title') || e.getAttribute('data-original-title') || '',
                    })),
                    ...[...document.querySelectorAll('[data-moment-local]')].map((e) => ({ seconds: Number(e.getAttribute('data-moment-local')), text: e.textContent })),
                    ...[...document.querySelectorAll('time[datetime]')].map((e) => ({
                        seconds: Date.parse(e.getAttribute('datetime')) / 1000,
                        text: e.textContent + ' ' + e.closest('table').querySelectorAll('th')[e.closest('td').cellIndex].textContent,
                    })),
                ]
                """);
            Assert.NotEmpty(times);
            foreach (var time in times)
            {
                // Japanese writes the hour unpadded (0:08:22), English padded (00:08:22); no other digit may lead
                // it, so 10:08:22 (New York's clock, 14 hours off) never passes for 0:08:22.
                var wall = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds((long)(time.Seconds * 1000)), zone);
                var clock = wall.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
                var shown = new Regex(string.Create(CultureInfo.InvariantCulture, $"(?<![0-9])0?{wall.Hour}:{wall:mm}:{wall:ss}"), RegexOptions.CultureInvariant);
                if (!shown.IsMatch(time.Text) || !time.Text.Contains(zoneName, StringComparison.Ordinal))
                {
                    wrong.Add($"「{time.Text}」 (expected {clock} {zoneName})");
                }
            }
        }
        while (wrong.Count > 0 && DateTime.UtcNow < deadline);
        Assert.True(wrong.Count == 0, $"{page.Url} shows times off the billing zone's clock: {string.Join(", ", wrong)}");
    }

    /// <summary>The overview's graphs format their times on the billing zone's clock and name the zone under their time axis.</summary>
    private async Task AssertGraphsInBillingZoneAsync(IPage page)
    {
        var zoneName = fixture.App.Services.GetRequiredService<IOptions<BillingOptions>>().Value.TimeZone;
        var instant = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(zoneName)).ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        await page.GotoAsync("/hangfire");
        var expected = $"{zoneName} {zoneName} {clock}";
        var shown = "";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((shown = await page.EvaluateAsync<string>(
                   "(time) => [...Object.values(Chart.instances).map((c) => c.options.scales.xAxes[0].scaleLabel.labelString), new Chart._adapters._date().format(time, 'HH:mm:ss')].join(' ')",
                   instant.ToUnixTimeMilliseconds())) != expected && DateTime.UtcNow < deadline)
        {
            await page.WaitForTimeoutAsync(200);
        }

        Assert.Equal(expected, shown);
    }

    /// <summary>A time on the page: its instant (Unix seconds) and what the reader sees of it.</summary>
    private sealed class ShownTime
    {
        public double Seconds { get; set; }

        public string Text { get; set; } = "";
    }

    private IMonitoringApi Monitoring => fixture.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi();

    /// <summary>
    /// A failed job, one failed and waiting for its retry, a scheduled one with a continuation awaiting it, a deleted
    /// one, one enqueued on a queue no server reads; and more than two pages of succeeded jobs (the recurring ticks run
    /// every second). Returns the failed and the scheduled job's ids.
    /// </summary>
    private async Task<(string Failed, string Scheduled)> CreateJobsInEveryStateAsync()
    {
        var client = fixture.App.Services.GetRequiredService<IBackgroundJobClient>();
        var failed = client.Enqueue(() => DashboardAuditJobs.Fail());
        var retried = client.Enqueue(() => DashboardAuditJobs.FailAndRetryInAnHour());
        var scheduled = client.Schedule(() => DashboardAuditJobs.Succeed(), TimeSpan.FromHours(1));
        client.ContinueJobWith(scheduled, () => DashboardAuditJobs.Succeed());
        client.Delete(client.Schedule(() => DashboardAuditJobs.Succeed(), TimeSpan.FromHours(1)));
        client.Create(() => DashboardAuditJobs.Succeed(), new EnqueuedState(AuditQueue));

        using var connection = fixture.App.Services.GetRequiredService<JobStorage>().GetConnection();
        await Wait.UntilAsync(() => connection.GetStateData(failed)?.Name == FailedState.StateName, "the failing job has failed");
        await Wait.UntilAsync(() => connection.GetStateData(retried)?.Name == ScheduledState.StateName, "the retried job waits for its retry");
        await Wait.UntilAsync(() => Monitoring.SucceededListCount() > 40, "two pages of jobs have succeeded", TimeSpan.FromSeconds(60));
        return (failed, scheduled);
    }
}

/// <summary>Jobs that give the dashboard something to show.</summary>
public static class DashboardAuditJobs
{
    [AutomaticRetry(Attempts = 0)]
    public static void Fail() => throw new InvalidOperationException("The audit's job fails on purpose.");

    [AutomaticRetry(Attempts = 1, DelaysInSeconds = [3600])]
    public static void FailAndRetryInAnHour() => throw new InvalidOperationException("The audit's job fails on purpose, and is retried in an hour.");

    public static void Succeed()
    {
    }
}

/// <summary>The browser tests' app with a stand-in GitHub, whose sign-ins may be admins (<see cref="Admin"/>).</summary>
public sealed class AdminBrowserAppFixture(PostgresServerFixture server) : BrowserAppFixture(server)
{
    public const string Admin = "audit-admin";

    public StandInGitHub GitHub { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(GitHub.Settings)
    {
        ["Kisei:Admins:0"] = Admin,
        ["Billing:CostSharesIntervalSeconds"] = "1",
        ["Scaling:IntervalSeconds"] = "1",
    };

    public override async ValueTask InitializeAsync()
    {
        GitHub = await StandInGitHub.StartAsync(TestContext.Current.CancellationToken);
        GitHub.BrowserLogin = Admin;
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await GitHub.DisposeAsync();
    }
}
