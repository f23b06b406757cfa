using System.Globalization;
using System.Security.Claims;

namespace Kisei.Web.Accounts;

/// <summary>The claims Kisei's sign-in cookie carries.</summary>
public static class PlayerClaims
{
    /// <summary>The player's GitHub avatar URL.</summary>
    public const string AvatarUrl = "kisei:avatar";

    /// <summary>The role of the logins listed in <c>Kisei:Admins</c>.</summary>
    public const string AdminRole = "admin";

    /// <summary>Builds the identity for a signed-in player.</summary>
    public static ClaimsIdentity IdentityFor(Player player, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(player);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, player.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, player.Login),
            new(PlayerSessions.VersionClaim, player.SessionVersion.ToString(CultureInfo.InvariantCulture)),
        };
        if (player.AvatarUrl is not null)
        {
            claims.Add(new Claim(AvatarUrl, player.AvatarUrl));
        }

        return new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role);
    }

    /// <summary>The signed-in player's id. Only call on authenticated requests.</summary>
    public static long GetPlayerId(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return TryGetPlayerId(user) ?? throw new InvalidOperationException("The request has no signed-in player.");
    }

    /// <summary>The signed-in player's id, or null.</summary>
    public static long? TryGetPlayerId(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var value = user.FindFirstValue(ClaimTypes.NameIdentifier);
        return user.Identity?.IsAuthenticated == true && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}
