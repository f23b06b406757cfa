using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Browser;

/// <summary>
/// The admin pages Kisei adds to Hangfire's console (the decisions behind the money and the machines, and
/// pause and resume), signed in through GitHub as an admin: axe-core finds no violation, they fit a 390 px
/// phone, and they speak one language. Hangfire's own pages must fit the phone too; of them only the
/// overview is held to axe and one language so far: the others show relative times in English (Hangfire
/// ships no Japanese), unlabelled checkboxes and low-contrast state labels.
/// </summary>
public sealed class AdminPageAuditTests(AdminBrowserAppFixture fixture) : IClassFixture<AdminBrowserAppFixture>
{
    [Theory]
    [InlineData("ja")]
    [InlineData("en")]
    public async Task The_admin_pages_pass_axe_fit_a_phone_and_speak_one_language(string language)
    {
        var (context, page) = await PageAuditTests.OpenAsync(fixture, language);
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

        // Hangfire's own pages, with Kisei's pause page among them, on a phone. Its overview also passes axe and
        // the language check, with Kisei's fixes to Hangfire's theme (contrast, the menu button's name); its other
        // pages do not yet (see the class summary).
        foreach (var path in new[] { "/hangfire", "/hangfire/recurring", "/hangfire/kisei/pauses", "/hangfire/servers" })
        {
            await page.SetViewportSizeAsync(390, 844);
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{path} ({language}) overflows a 390 px screen by {overflow} px");
            if (path == "/hangfire")
            {
                await page.SetViewportSizeAsync(1280, 800);
                await PageAuditTests.AuditAsync(page, path, language);
            }
        }
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
