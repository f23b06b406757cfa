using System.Collections.Concurrent;
using System.Net;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Accounts;

/// <summary>
/// GitHub sign-in through AspNet.Security.OAuth.GitHub's handler, against a stand-in for GitHub's
/// token, user and e-mail endpoints on 127.0.0.1: the authorize redirect, the callback at
/// /signin-github, the code exchange with PKCE, the user lookup, and the player it creates.
/// </summary>
public sealed class GitHubSignInTests(PostgresServerFixture server) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> seen = new();
    private WebApplication? github;
    private bool profileHidesEmail;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string GitHubUrl => github!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        github = builder.Build();
        github.MapPost("/login/oauth/access_token", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            seen.Enqueue($"token code={form["code"]} verifier={(string.IsNullOrEmpty(form["code_verifier"]) ? "none" : "sent")} client={form["client_id"]}");
            return form["code"] == "good-code"
                ? Results.Json(new { access_token = "gho_stand_in", token_type = "bearer", scope = "read:user,user:email" })
                : Results.Json(new { error = "bad_verification_code" }, statusCode: 400);
        });
        github.MapGet("/user", (HttpContext context) =>
        {
            seen.Enqueue($"user auth={context.Request.Headers.Authorization} agent={(context.Request.Headers.UserAgent.Count > 0 ? "sent" : "none")}");
            return Results.Json(new
            {
                id = 583231,
                login = "octocat",
                name = "The Octocat",
                avatar_url = "https://avatars.githubusercontent.com/u/583231?v=4",
                email = profileHidesEmail ? null : "octocat@example.com",
            });
        });
        github.MapGet("/user/emails", (HttpContext context) =>
        {
            seen.Enqueue($"emails auth={context.Request.Headers.Authorization}");
            return Results.Json(new[]
            {
                new { email = "octocat@users.noreply.example.com", primary = false, verified = true },
                new { email = "private-octocat@example.com", primary = true, verified = true },
            });
        });
        await github.StartAsync(Ct);
    }

    private Dictionary<string, string?> StandInGitHubSettings() => new()
    {
        ["Auth:DevelopmentSignIn"] = "false",
        ["Authentication:GitHub:ClientId"] = "stand-in-client",
        ["Authentication:GitHub:ClientSecret"] = "stand-in-secret",
        ["Authentication:GitHub:AuthorizationEndpoint"] = $"{GitHubUrl}/login/oauth/authorize",
        ["Authentication:GitHub:TokenEndpoint"] = $"{GitHubUrl}/login/oauth/access_token",
        ["Authentication:GitHub:UserInformationEndpoint"] = $"{GitHubUrl}/user",
        ["Authentication:GitHub:UserEmailsEndpoint"] = $"{GitHubUrl}/user/emails",
    };

    [Fact]
    public async Task Signing_in_with_GitHub_creates_the_player_from_the_profile_and_signs_them_in()
    {
        await using var database = await server.CreateDatabaseAsync("github", Ct);
        await using var app = new KiseiApp(database.ConnectionString, StandInGitHubSettings());
        using var browser = app.CreateBrowserClient();

        // The landing page offers GitHub only; the link challenges, which redirects to GitHub's authorize page.
        var landing = await browser.GetStringAsync("/", Ct);
        Assert.Contains("/account/signin/github", landing, StringComparison.Ordinal);
        Assert.DoesNotContain("dev-sign-in", landing, StringComparison.Ordinal);
        using (var devSignIn = await browser.GetAsync("/account/devsignin", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, devSignIn.StatusCode);
        }

        using var challenge = await browser.GetAsync("/account/signin/github?returnUrl=%2Fleaderboard", Ct);
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith($"{GitHubUrl}/login/oauth/authorize", authorize.AbsoluteUri, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal("stand-in-client", query["client_id"]);
        Assert.Equal("https://localhost/signin-github", query["redirect_uri"]);
        Assert.Equal("S256", query["code_challenge_method"]);

        // GitHub sends the browser back with a code and the state.
        using var callback = await browser.GetAsync($"/signin-github?code=good-code&state={Uri.EscapeDataString(query["state"]!)}", Ct);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/leaderboard", callback.Headers.Location!.OriginalString);
        Assert.Contains("token code=good-code verifier=sent client=stand-in-client", seen);
        Assert.Contains("user auth=Bearer gho_stand_in agent=sent", seen);
        Assert.DoesNotContain(seen, request => request.StartsWith("emails", StringComparison.Ordinal));
        await using (var db = database.CreateContext())
        {
            var player = await db.Players.SingleAsync(p => p.GitHubId == 583231, Ct);
            Assert.Equal("octocat", player.Login);
            Assert.Equal("The Octocat", player.Name);
            Assert.Equal("https://avatars.githubusercontent.com/u/583231?v=4", player.AvatarUrl);
            Assert.Equal("octocat@example.com", player.Email);
        }

        var home = await browser.GetStringAsync("/", Ct);
        Assert.Contains("octocat", home, StringComparison.Ordinal);
        Assert.Contains("https://avatars.githubusercontent.com/u/583231?v=4", home, StringComparison.Ordinal);
        Assert.Contains("id=\"recorder\"", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hidden_profile_email_is_taken_from_the_primary_address_GitHub_lists()
    {
        profileHidesEmail = true;
        await using var database = await server.CreateDatabaseAsync("githubemail", Ct);
        await using var app = new KiseiApp(database.ConnectionString, StandInGitHubSettings());
        using var browser = app.CreateBrowserClient();

        using var challenge = await browser.GetAsync("/account/signin/github", Ct);
        string state = QueryHelpers.ParseQuery(challenge.Headers.Location!.Query)["state"]!;
        using var callback = await browser.GetAsync($"/signin-github?code=good-code&state={Uri.EscapeDataString(state)}", Ct);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Contains("emails auth=Bearer gho_stand_in", seen);
        await using var db = database.CreateContext();
        var player = await db.Players.SingleAsync(p => p.GitHubId == 583231, Ct);
        Assert.Equal("private-octocat@example.com", player.Email);
    }

    [Fact]
    public async Task Without_GitHub_keys_the_GitHub_sign_in_is_not_offered()
    {
        await using var database = await server.CreateDatabaseAsync("nogithub", Ct);
        await using var app = new KiseiApp(database.ConnectionString);
        using var browser = app.CreateBrowserClient();

        var landing = await browser.GetStringAsync("/", Ct);
        using var challenge = await browser.GetAsync("/account/signin/github", Ct);

        Assert.DoesNotContain("/account/signin/github", landing, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, challenge.StatusCode);
    }

    [Fact]
    public async Task Development_sign_in_cannot_become_a_GitHub_player()
    {
        await using var database = await server.CreateDatabaseAsync("devtakeover", Ct);
        await using var app = new KiseiApp(database.ConnectionString);
        app.StartServer();
        await using (var db = database.CreateContext())
        {
            var now = DateTimeOffset.UtcNow;
            db.Players.Add(new Kisei.Web.Accounts.Player { Login = "octocat", GitHubId = 583231, CreatedAt = now, LastSeenAt = now });
            await db.SaveChangesAsync(Ct);
        }

        using var browser = app.CreateBrowserClient();
        using var refused = await PlayerClient.PostDevelopmentSignInAsync(browser, "octocat");
        using var allowed = await PlayerClient.PostDevelopmentSignInAsync(app.CreateBrowserClient(), "octocat-dev");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("GitHub", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"recorder\"", await browser.GetStringAsync("/", Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, allowed.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (github is not null)
        {
            await github.DisposeAsync();
        }
    }
}
