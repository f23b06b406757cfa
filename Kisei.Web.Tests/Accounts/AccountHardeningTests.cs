using System.Net;
using System.Security.Claims;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Kisei.Web.Accounts;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Accounts;

/// <summary>Development sign-in outside Development, with an admin list: a production-like "Testing" app.</summary>
public sealed class AdminListApp(PostgresServerFixture server) : AppFixture(server)
{
    public const string AdminLogin = "octo-admin";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Kisei:Admins:0"] = AdminLogin,
    };
}

/// <summary>Return URLs, the admin rule, server-side sign-out and HSTS.</summary>
public sealed class AccountHardeningTests(AdminListApp fixture) : IClassFixture<AdminListApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> ControlCharacters()
    {
        var data = new TheoryData<string>();
        foreach (var c in Enumerable.Range(0, 0x20).Append(0x7f).Append(0x85))
        {
            data.Add(((char)c).ToString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public void A_return_url_with_a_control_character_leads_home(string control)
    {
        Assert.Equal("/", ReturnUrls.LocalOrHome($"/{control}x"));
        Assert.Equal("/", ReturnUrls.LocalOrHome($"/jobs{control}"));
        Assert.Null(ReturnUrls.Local($"/a/{control}/b"));
    }

    [Theory]
    [InlineData("/leaderboard?x=1#top", "/leaderboard?x=1#top")]
    [InlineData("/", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("leaderboard", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    public void Only_paths_on_this_site_are_returned_to(string? url, string expected) =>
        Assert.Equal(expected, ReturnUrls.LocalOrHome(url));

    [Fact]
    public async Task Every_control_character_return_url_gives_a_redirect_home_or_400_never_500()
    {
        using var client = fixture.App.CreateBrowserClient();
        var landing = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync("/", Ct));
        var form = landing.QuerySelector<IHtmlFormElement>("form.dev-sign-in")!;
        var token = form.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

        foreach (var control in ControlCharacters().Select(row => row.Data))
        {
            foreach (var returnUrl in new[] { $"/{control}x", $"/{control}/evil.example", $"/jobs{control}" })
            {
                using var response = await client.PostAsync(
                    form.GetAttribute("action"),
                    new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("name", "return-tester"), new("returnUrl", returnUrl)]),
                    Ct);

                var answer = $"returnUrl {Uri.EscapeDataString(returnUrl)} answered {(int)response.StatusCode} {response.Headers.Location}";
                Assert.True(
                    response.StatusCode == HttpStatusCode.BadRequest
                    || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/"),
                    answer);
            }
        }
    }

    [Fact]
    public async Task A_development_player_named_like_an_admin_is_not_an_admin_outside_Development()
    {
        using var client = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false });
        var cookie = await DevelopmentSignInCookieAsync(client, AdminListApp.AdminLogin);

        // The principal exactly as the app reads it back from the cookie, then through its claims transformation.
        var cookieOptions = fixture.App.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var ticket = cookieOptions.TicketDataFormat.Unprotect(cookie["kisei.auth=".Length..]);
        Assert.NotNull(ticket);
        Assert.Equal(AdminListApp.AdminLogin, ticket.Principal.Identity!.Name);
        var transformation = fixture.App.Services.GetRequiredService<IClaimsTransformation>();

        var developmentPlayer = await transformation.TransformAsync(ticket.Principal);
        var gitHubPlayer = await transformation.TransformAsync(new ClaimsPrincipal(
            new ClaimsIdentity([new Claim(ClaimTypes.Name, AdminListApp.AdminLogin)], AccountsExtensions.GitHubScheme, ClaimTypes.Name, ClaimTypes.Role)));

        Assert.False(developmentPlayer.IsInRole(PlayerClaims.AdminRole));
        Assert.True(gitHubPlayer.IsInRole(PlayerClaims.AdminRole));
    }

    [Fact]
    public async Task Development_sign_in_outside_Development_shows_a_banner()
    {
        using var client = fixture.App.CreateBrowserClient();
        var landing = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync("/", Ct));

        Assert.NotNull(landing.QuerySelector("[data-testid=dev-sign-in-banner]"));
    }

    [Fact]
    public async Task A_signed_out_cookie_is_refused()
    {
        using var client = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false });
        var copied = await DevelopmentSignInCookieAsync(client, "copycat");
        var someScream = $"/api/screams/{Guid.NewGuid()}";
        using (var before = await GetWithCookieAsync(client, someScream, copied))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode); // signed in: the scream is just not there
        }

        using var home = await GetWithCookieAsync(client, "/", copied);
        var antiforgery = CookieHeader(home, "kisei.antiforgery");
        var page = await new HtmlParser().ParseDocumentAsync(await home.Content.ReadAsStringAsync(Ct));
        var signOut = page.QuerySelector<IHtmlFormElement>("form[action='/account/signout']")!;
        using var signOutRequest = new HttpRequestMessage(HttpMethod.Post, signOut.GetAttribute("action"))
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", signOut.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value)]),
        };
        signOutRequest.Headers.Add("Cookie", $"{copied}; {antiforgery}");
        using (var signedOut = await client.SendAsync(signOutRequest, Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        }

        using var after = await GetWithCookieAsync(client, someScream, copied);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Https_responses_outside_Development_carry_HSTS()
    {
        using var client = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://kisei.example"), AllowAutoRedirect = false });

        using var response = await client.GetAsync("/leaderboard", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    /// <summary>Signs in through the landing page's form, by hand, and returns the <c>kisei.auth=…</c> cookie.</summary>
    private static async Task<string> DevelopmentSignInCookieAsync(HttpClient client, string login)
    {
        using var landing = await client.GetAsync("/", Ct);
        var antiforgery = CookieHeader(landing, "kisei.antiforgery");
        var form = (await new HtmlParser().ParseDocumentAsync(await landing.Content.ReadAsStringAsync(Ct))).QuerySelector<IHtmlFormElement>("form.dev-sign-in")!;
        using var request = new HttpRequestMessage(HttpMethod.Post, form.GetAttribute("action"))
        {
            Content = new FormUrlEncodedContent(
                [new("__RequestVerificationToken", form.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value), new("name", login)]),
        };
        request.Headers.Add("Cookie", antiforgery);
        using var signIn = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return CookieHeader(signIn, "kisei.auth");
    }

    private static async Task<HttpResponseMessage> GetWithCookieAsync(HttpClient client, string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request, Ct);
    }

    /// <summary>The <c>name=value</c> part of a Set-Cookie header.</summary>
    private static string CookieHeader(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(name + "=", StringComparison.Ordinal)).Split(';')[0];
}
