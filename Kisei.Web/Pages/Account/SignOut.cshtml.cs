using Kisei.Web.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kisei.Web.Pages.Account;

/// <summary>
/// POST signs out, server-side too (<see cref="PlayerSessions"/>), so a copied cookie stops working;
/// a GET does nothing but go home, so a link cannot sign anyone out.
/// </summary>
public sealed class SignOutModel(PlayerSessions sessions) : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (User.TryGetPlayerId() is { } playerId)
        {
            await sessions.RevokeAsync(playerId, cancellationToken);
        }

        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return LocalRedirect("/");
    }
}
