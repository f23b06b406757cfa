namespace Kisei.Web.Accounts;

/// <summary>A person who screams. Created at first sign-in, from GitHub or development sign-in.</summary>
public class Player
{
    public long Id { get; set; }

    /// <summary>GitHub's numeric user id; null for a development player.</summary>
    public long? GitHubId { get; set; }

    /// <summary>The GitHub login (or the development name); unique.</summary>
    public required string Login { get; set; }

    public string? Name { get; set; }

    public string? AvatarUrl { get; set; }

    public string? Email { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Moves on at each sign-out; a sign-in cookie made under an older version is refused.</summary>
    public int SessionVersion { get; set; }

    /// <summary>The last request this player made; "players online" counts the recent ones.</summary>
    public DateTimeOffset LastSeenAt { get; set; }
}
