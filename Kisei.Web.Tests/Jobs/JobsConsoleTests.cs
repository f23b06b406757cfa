using System.Net;
using System.Net.Http.Headers;
using Kisei.Web.Data;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Tests.Jobs;

/// <summary>The Hangfire dashboard as the operators' console: who gets in, what it shows, what Kisei adds.</summary>
public sealed class JobsConsoleTests(JobsAppFixture fixture) : IClassFixture<JobsAppFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/hangfire")]
    [InlineData("/hangfire/recurring")]
    [InlineData("/hangfire/kisei/pauses")]
    [InlineData("/jobs/scaling")]
    [InlineData("/metrics")]
    public async Task Anonymous_visitors_are_sent_to_sign_in_and_players_get_403(string path)
    {
        using var anonymous = fixture.App.CreateBrowserClient();
        using var player = await PlayerClient.SignInAsync(fixture.App, "jobs-player");

        using var asAnonymous = await anonymous.GetAsync(path, Ct);
        using var asPlayer = await player.Http.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Redirect, asAnonymous.StatusCode);
        var signIn = new Uri(fixture.App.Server.BaseAddress, asAnonymous.Headers.Location!);
        Assert.Equal("/", signIn.AbsolutePath);
        Assert.Equal($"?ReturnUrl={Uri.EscapeDataString(path)}", signIn.Query);
        Assert.Equal(HttpStatusCode.Forbidden, asPlayer.StatusCode);
    }

    [Fact]
    public async Task An_admin_sees_the_recurring_jobs_with_their_schedules_and_names_and_a_link_back_to_the_game()
    {
        using var admin = await fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);

        var page = await admin.GetDocumentAsync("/hangfire/recurring");

        var text = page.Body!.TextContent;
        foreach (var (id, cron) in new[] { ("cost-shares", "*/1 * * * * *"), ("scaling", "*/1 * * * * *"), ("retention", "0 30 4 * * ?") })
        {
            Assert.Contains(id, text, StringComparison.Ordinal);
            Assert.Contains(cron, text, StringComparison.Ordinal);
        }

        Assert.Contains("請求額を分担する", text, StringComparison.Ordinal);
        Assert.NotNull(page.QuerySelector("a[href='/']"));
    }

    [Fact]
    public async Task Job_names_follow_the_readers_language()
    {
        using var admin = await fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);
        admin.Http.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));

        var page = await admin.GetDocumentAsync("/hangfire/recurring");

        Assert.Contains("Split the bill", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("請求額を分担する", page.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dashboard_command_without_the_antiforgery_token_is_refused()
    {
        using var admin = await fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);

        using var forged = await admin.Http.PostAsync("/hangfire/kisei/pauses/pause/retention", new FormUrlEncodedContent([]), Ct);
        using var trigger = await admin.Http.PostAsync("/hangfire/recurring/trigger", new FormUrlEncodedContent([new("jobs[]", "retention")]), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, trigger.StatusCode);
        Assert.False(await Dashboard.IsListedPausedAsync(admin, "retention"));

        // The same command with the page's token goes through.
        Assert.Equal(HttpStatusCode.NoContent, await Dashboard.CommandAsync(admin, "/hangfire/kisei/pauses/pause/retention"));
        Assert.True(await Dashboard.IsListedPausedAsync(admin, "retention"));
        Assert.Equal(HttpStatusCode.NoContent, await Dashboard.CommandAsync(admin, "/hangfire/kisei/pauses/resume/retention"));
        Assert.False(await Dashboard.IsListedPausedAsync(admin, "retention"));
    }

    [Fact]
    public async Task The_old_console_leads_to_the_dashboard()
    {
        using var client = fixture.App.CreateBrowserClient();

        using var response = await client.GetAsync("/jobs", Ct);

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("/hangfire", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_scaling_page_shows_observed_to_target_and_the_action_of_the_last_runs()
    {
        using var admin = await fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);
        await Wait.UntilAsync(() => Runs() >= 2, "two scaling runs are stored", TimeSpan.FromSeconds(30));

        var page = await admin.GetDocumentAsync("/jobs/scaling");

        var runs = page.QuerySelectorAll("[data-testid=scaling-runs] li");
        Assert.True(runs.Length >= 2, $"{runs.Length} runs shown");
        var first = runs[0];
        Assert.Matches(@"\d+\s*→\s*目標\s*\d+", first.QuerySelector("[data-testid=observed-target]")!.TextContent);
        Assert.False(string.IsNullOrWhiteSpace(first.QuerySelector("[data-testid=action]")!.TextContent));
        Assert.False(string.IsNullOrWhiteSpace(first.QuerySelector(".why")!.TextContent));
        Assert.Matches("^(none|scaled|held|failed)$", first.GetAttribute("data-action"));
        // The dashboard's menu leads here.
        var dashboard = await admin.GetDocumentAsync("/hangfire");
        Assert.NotNull(dashboard.QuerySelector("a[href='/jobs/scaling']"));
        Assert.NotNull(dashboard.QuerySelector("a[href='/jobs/costs']"));

        int Runs()
        {
            using var db = fixture.Database.CreateContext();
            return db.ScalingRuns.Count();
        }
    }

    [Fact]
    public async Task The_costs_page_shows_each_runs_bill_players_and_total_score()
    {
        using var admin = await fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);
        await Wait.UntilAsync(() => Snapshots() >= 1, "a cost-shares run is stored", TimeSpan.FromSeconds(30));

        var page = await admin.GetDocumentAsync("/jobs/costs");

        var run = page.QuerySelector("[data-testid=cost-runs] li")!;
        Assert.Matches(@"\d+円", run.QuerySelector("[data-testid=bill]")!.TextContent);
        Assert.Matches(@"\d+ 人で分担、合計スコア \d+\.\d", run.QuerySelector("[data-testid=players]")!.TextContent);

        int Snapshots()
        {
            using var db = fixture.Database.CreateContext();
            return db.ShareSnapshots.Count();
        }
    }

    [Fact]
    public async Task The_metrics_endpoint_exposes_the_series_to_admins()
    {
        using var admin = await fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);
        var id = await admin.UploadAcceptedAsync(TestClips.Scream());
        await admin.WaitUntilScoredAsync(id);
        await Wait.UntilAsync(() => HasScalingRun(), "a scaling run is stored", TimeSpan.FromSeconds(30));

        using var response = await admin.Http.GetAsync("/metrics", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        foreach (var series in new[]
        {
            "kisei_uploads_total", "kisei_scores_total{recognizer=\"syllables\"}", "kisei_scoring_duration_seconds_count",
            "kisei_scoring_queue_length", "kisei_scoring_queue_oldest_job_age_seconds", "kisei_failed_jobs",
            "kisei_bill_yen", "kisei_replicas_observed", "kisei_replicas_target", "kisei_kubernetes_api_errors_total", "kisei_budget_alarm",
        })
        {
            Assert.Contains(series, text, StringComparison.Ordinal);
        }

        bool HasScalingRun()
        {
            using var db = fixture.Database.CreateContext();
            return db.ScalingRuns.Any();
        }
    }

    [Fact]
    public async Task Readiness_reports_the_job_storage_and_server_and_the_status_page_links_admins_to_the_dashboard()
    {
        using var admin = await fixture.GitHub.SignInAsync(fixture.App, JobsAppFixture.AdminLogin);
        using var player = await PlayerClient.SignInAsync(fixture.App, "jobs-status-player");

        using var ready = await admin.Http.GetAsync("/readyz", Ct);
        var asAdmin = await admin.GetDocumentAsync("/status");
        var asPlayer = await player.GetDocumentAsync("/status");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.NotNull(asAdmin.QuerySelector("[data-testid=jobs] a[href='/hangfire']"));
        Assert.Null(asPlayer.QuerySelector("a[href='/hangfire']"));
    }
}
