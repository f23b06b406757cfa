using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Accounts;

/// <summary>
/// Gives the admin role to the logins in <c>Kisei:Admins</c>, and to every player in the
/// Development environment. Decided per request, so editing the list takes effect without
/// signing out. Outside Development only a GitHub sign-in counts: a development player may take
/// any free name, an admin's included, so its name proves nothing.
/// </summary>
internal sealed class AdminClaims(IOptionsMonitor<KiseiOptions> options, IHostEnvironment environment) : IClaimsTransformation
{
    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity is not ClaimsIdentity { IsAuthenticated: true } identity
            || principal.IsInRole(PlayerClaims.AdminRole))
        {
            return Task.FromResult(principal);
        }

        var login = identity.Name;
        var isAdmin = environment.IsDevelopment()
            || (identity.AuthenticationType == AccountsExtensions.GitHubScheme
                && login is not null
                && options.CurrentValue.Admins.Contains(login, StringComparer.OrdinalIgnoreCase));
        if (!isAdmin)
        {
            return Task.FromResult(principal);
        }

        var withRole = identity.Clone();
        withRole.AddClaim(new Claim(identity.RoleClaimType, PlayerClaims.AdminRole));
        return Task.FromResult(new ClaimsPrincipal(withRole));
    }
}
