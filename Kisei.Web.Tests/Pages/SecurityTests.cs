using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Kisei.Web.Tests.Pages;

/// <summary>docs/design.md: cookie flags, security headers, and HTTPS outside Development.</summary>
public sealed class SecurityTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_sign_in_and_antiforgery_cookies_are_secure_http_only_and_same_site_lax()
    {
        using var client = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        using var landing = await client.GetAsync("/", Ct);
        var antiforgery = CookieHeader(landing, "kisei.antiforgery");
        var form = (IHtmlFormElement)new HtmlParser().ParseDocument(await landing.Content.ReadAsStringAsync(Ct)).QuerySelector("form.dev-sign-in")!;
        var token = ((IHtmlInputElement)form.QuerySelector("input[name=__RequestVerificationToken]")!).Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, form.GetAttribute("action"))
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("name", "cookie-inspector")]),
        };
        request.Headers.Add("Cookie", antiforgery.Split(';')[0]);

        using var signIn = await client.SendAsync(request, Ct);
        var auth = CookieHeader(signIn, "kisei.auth");

        foreach (var cookie in new[] { antiforgery, auth })
        {
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/leaderboard")]
    [InlineData("/status")]
    public async Task Pages_carry_the_security_headers(string path)
    {
        using var client = fixture.App.CreateBrowserClient();

        using var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_http_outside_development_gets_a_clear_400_but_probes_still_answer()
    {
        using var client = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost"), AllowAutoRedirect = false });

        using var page = await client.GetAsync("/", Ct);
        using var liveness = await client.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("HTTPS", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, liveness.StatusCode);
        // Ready once this replica's job server has announced itself, a moment after the start.
        await Wait.UntilAsync(
            () =>
            {
                using var readiness = client.GetAsync("/readyz", Ct).GetAwaiter().GetResult();
                return readiness.StatusCode == HttpStatusCode.OK;
            },
            "/readyz answers 200 over plain HTTP",
            TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_forwarded_https_request_from_a_trusted_proxy_is_served()
    {
        using var client = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost"), AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/leaderboard");
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await client.SendAsync(request, Ct);

        // The test server's connection counts as loopback, which ASP.NET trusts as a proxy by default.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string CookieHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.Single(c => c.StartsWith(name + "=", StringComparison.Ordinal))
            : throw new InvalidOperationException($"No Set-Cookie for {name}.");
}
