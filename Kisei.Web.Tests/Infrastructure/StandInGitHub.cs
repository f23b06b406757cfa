using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>
/// A stand-in for GitHub's OAuth token and user endpoints on 127.0.0.1, for apps whose tests need a
/// GitHub player: outside Development only a GitHub sign-in can be an admin. It answers any code of
/// the form <c>login:NAME</c> with the profile of the GitHub user NAME, so <see cref="SignInAsync"/>
/// goes through the app's real handler, callback, player upsert and claims.
/// </summary>
public sealed class StandInGitHub : IAsyncDisposable
{
    private const string CodePrefix = "login:";
    private readonly ConcurrentDictionary<string, long> ids = new(StringComparer.Ordinal);
    private WebApplication server = null!;

    /// <summary>Who a browser sent to the authorize page signs in as: GitHub would ask, the stand-in is told.</summary>
    public string BrowserLogin { get; set; } = "octocat";

    public string Url => server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    /// <summary>Settings that point an app's GitHub sign-in here, development sign-in left as it is.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Authentication:GitHub:ClientId"] = "stand-in-client",
        ["Authentication:GitHub:ClientSecret"] = "stand-in-secret",
        ["Authentication:GitHub:AuthorizationEndpoint"] = $"{Url}/login/oauth/authorize",
        ["Authentication:GitHub:TokenEndpoint"] = $"{Url}/login/oauth/access_token",
        ["Authentication:GitHub:UserInformationEndpoint"] = $"{Url}/user",
        ["Authentication:GitHub:UserEmailsEndpoint"] = $"{Url}/user/emails",
    };

    public static async Task<StandInGitHub> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var github = new StandInGitHub();
        var app = builder.Build();
        // A browser's visit to the authorize page: straight back to the app with a code for BrowserLogin.
        app.MapGet("/login/oauth/authorize", (HttpContext context) =>
        {
            var query = context.Request.Query;
            return Results.Redirect(QueryHelpers.AddQueryString(
                query["redirect_uri"].ToString(),
                new Dictionary<string, string?> { ["code"] = CodePrefix + github.BrowserLogin, ["state"] = query["state"] }));
        });
        app.MapPost("/login/oauth/access_token", async (HttpContext context) =>
        {
            var code = (await context.Request.ReadFormAsync(context.RequestAborted))["code"].ToString();
            return code.StartsWith(CodePrefix, StringComparison.Ordinal)
                ? Results.Json(new { access_token = code, token_type = "bearer", scope = "read:user,user:email" })
                : Results.Json(new { error = "bad_verification_code" }, statusCode: 400);
        });
        app.MapGet("/user", (HttpContext context) =>
        {
            var login = context.Request.Headers.Authorization.ToString()["Bearer ".Length..][CodePrefix.Length..];
            return Results.Json(new { id = github.IdOf(login), login, name = login, email = $"{login}@example.com" });
        });
        await app.StartAsync(cancellationToken);
        github.server = app;
        return github;
    }

    /// <summary>Signs a new browser in as the GitHub user <paramref name="login"/>: challenge, authorize, callback.</summary>
    public async Task<PlayerClient> SignInAsync(KiseiApp app, string login)
    {
        ArgumentNullException.ThrowIfNull(app);
        var client = app.CreateBrowserClient();
        using var challenge = await client.GetAsync("/account/signin/github");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.StartsWith(Url, challenge.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        string state = QueryHelpers.ParseQuery(challenge.Headers.Location.Query)["state"]!;
        using var callback = await client.GetAsync($"/signin-github?code={Uri.EscapeDataString(CodePrefix + login)}&state={Uri.EscapeDataString(state)}");
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        return new PlayerClient(client, login);
    }

    /// <summary>One GitHub id per login, the same at every sign-in.</summary>
    private long IdOf(string login) => ids.GetOrAdd(login, _ => 1_000_000 + ids.Count);

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
