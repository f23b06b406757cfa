using System.Security.Claims;
using Kisei.Web.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>
/// A test-only stand-in for the end of the GitHub OAuth dance: GET <see cref="Path"/>?login=NAME signs the
/// browser in as the GitHub player NAME, through the app's own player directory and claims. Outside
/// Development only a GitHub sign-in can be an admin, so tests of admin pages use this.
/// </summary>
public sealed class GitHubTestSignIn : IStartupFilter
{
    public const string Path = "/test/github-sign-in";

    public static void AddTo(IWebHostBuilder builder) =>
        builder.ConfigureServices(services => services.AddTransient<IStartupFilter, GitHubTestSignIn>());

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Map(Path, signIn => signIn.Run(async context =>
        {
            var login = context.Request.Query["login"].ToString();
            var profile = new GitHubProfile(Math.Abs(login.GetHashCode(StringComparison.Ordinal)) + 1L, login, login, null, null);
            var player = await context.RequestServices.GetRequiredService<PlayerDirectory>().SignInFromGitHubAsync(profile, context.RequestAborted);
            await context.SignInAsync(
                CookieAuthenticationDefaults.AuthenticationScheme,
                new ClaimsPrincipal(PlayerClaims.IdentityFor(player, AccountsExtensions.GitHubScheme)));
            context.Response.Redirect("/");
        }));
        next(app);
    };
}
