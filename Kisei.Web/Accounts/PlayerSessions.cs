using System.Globalization;
using System.Security.Claims;
using Kisei.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Kisei.Web.Accounts;

/// <summary>
/// Server-side sign-out. A sign-in cookie carries its player's <see cref="Player.SessionVersion"/>;
/// signing out moves the version on, so the cookie, and any copy of it, stops working on every
/// device of that player. Each request checks the version, read from the database at most once per
/// <see cref="CacheFor"/> per player and replica: another replica may honour a revoked cookie that
/// long, the replica that signed the player out not at all.
/// </summary>
public sealed class PlayerSessions(IDbContextFactory<KiseiDbContext> contexts, IMemoryCache cache)
{
    /// <summary>The claim holding the session version.</summary>
    public const string VersionClaim = "kisei:session";

    /// <summary>How long a replica trusts the version it read.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    /// <summary>The cookie handler's check: refuses a cookie whose version is not the player's current one.</summary>
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.Principal;
        if (principal?.TryGetPlayerId() is not { } playerId
            || !int.TryParse(principal.FindFirstValue(VersionClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || await CurrentVersionAsync(playerId, context.HttpContext.RequestAborted) != version)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>Ends every session of the player.</summary>
    public async Task RevokeAsync(long playerId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Players.Where(p => p.Id == playerId)
            .ExecuteUpdateAsync(update => update.SetProperty(p => p.SessionVersion, p => p.SessionVersion + 1), cancellationToken);
        cache.Remove(CacheKey(playerId));
    }

    /// <summary>The player's session version; null when the player is gone.</summary>
    private async Task<int?> CurrentVersionAsync(long playerId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(playerId), out int? cached))
        {
            return cached;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var version = await db.Players.Where(p => p.Id == playerId).Select(p => (int?)p.SessionVersion).SingleOrDefaultAsync(cancellationToken);
        cache.Set(CacheKey(playerId), version, CacheFor);
        return version;
    }

    private static string CacheKey(long playerId) => $"kisei:session:{playerId}";
}
