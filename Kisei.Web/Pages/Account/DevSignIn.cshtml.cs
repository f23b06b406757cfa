using System.Text;
using Kisei.Web.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Kisei.Web.Pages.Account;

/// <summary>"Sign in as NAME": a local player, for development only (docs/design.md).</summary>
public sealed class DevSignInModel(SignInMethods methods, PlayerDirectory players, IStringLocalizer<SharedResource> text) : PageModel
{
    public string? Error { get; private set; }

    public IActionResult OnGet() => methods.Development ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string? name, string? returnUrl, CancellationToken cancellationToken)
    {
        if (!methods.Development)
        {
            return NotFound();
        }

        name = name?.Trim().Normalize(NormalizationForm.FormC);
        if (string.IsNullOrEmpty(name) || !PlayerDirectory.IsDevelopmentName(name))
        {
            Error = text["名前は 1〜39 文字で入力してください。日本語も使えます。改行などの制御文字は使えません。"];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (await players.SignInForDevelopmentAsync(name, cancellationToken) is not { } player)
        {
            Error = text["この名前は GitHub のプレイヤーが使っています。"];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await HttpContext.SignInAsync(
            CookieAuthenticationDefaults.AuthenticationScheme,
            new System.Security.Claims.ClaimsPrincipal(PlayerClaims.IdentityFor(player, "Development")));
        return LocalRedirect(ReturnUrls.LocalOrHome(returnUrl));
    }
}
