using System.Globalization;
using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Accounts;

/// <summary>Finds or creates the player behind a sign-in.</summary>
public sealed class PlayerDirectory(KiseiDbContext db, TimeProvider time)
{
    /// <summary>The longest development name, in characters as a reader counts them (GitHub's login limit).</summary>
    public const int MaxDevelopmentNameLength = 39;

    /// <summary>
    /// What a development player's name may be: any Unicode text of 1–39 characters, without control or
    /// invisible format characters and without spaces at either end ("さけぶ太郎" as well as "taro").
    /// </summary>
    public static bool IsDevelopmentName(string name) =>
        !string.IsNullOrEmpty(name)
        && name == name.Trim()
        && new StringInfo(name).LengthInTextElements <= MaxDevelopmentNameLength
        && !name.Any(c => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);

    /// <summary>The player for a GitHub account, created or refreshed from the profile.</summary>
    public async Task<Player> SignInFromGitHubAsync(GitHubProfile profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var now = time.GetUtcNow();
        var player = await db.Players.SingleOrDefaultAsync(p => p.GitHubId == profile.Id, cancellationToken);
        if (player is null)
        {
            // A renamed GitHub account may have left its old login behind on another player.
            var clash = await db.Players.SingleOrDefaultAsync(p => p.Login == profile.Login, cancellationToken);
            if (clash is not null)
            {
                clash.Login = $"{clash.Login}~{clash.Id}";
            }

            player = new Player { Login = profile.Login, GitHubId = profile.Id, CreatedAt = now };
            db.Players.Add(player);
        }

        player.Login = profile.Login;
        player.Name = profile.Name;
        player.AvatarUrl = profile.AvatarUrl;
        player.Email = profile.Email;
        player.LastSeenAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return player;
    }

    /// <summary>
    /// The local player called <paramref name="login"/>, for development sign-in; null when a GitHub player holds
    /// that login, whom development sign-in must never become (it may be on beside GitHub sign-in).
    /// </summary>
    public async Task<Player?> SignInForDevelopmentAsync(string login, CancellationToken cancellationToken)
    {
        if (!IsDevelopmentName(login))
        {
            throw new ArgumentException("A name is 1–39 characters, without control characters or spaces at either end.", nameof(login));
        }

        var now = time.GetUtcNow();
        var player = await db.Players.SingleOrDefaultAsync(p => p.Login == login, cancellationToken);
        if (player is { GitHubId: not null })
        {
            return null;
        }

        if (player is null)
        {
            player = new Player { Login = login, Name = login, CreatedAt = now };
            db.Players.Add(player);
        }

        player.LastSeenAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return player;
    }
}

/// <summary>The parts of https://api.github.com/user that Kisei keeps.</summary>
public sealed record GitHubProfile(long Id, string Login, string? Name, string? AvatarUrl, string? Email);
