namespace Kisei.Web.Pages.Screams;

/// <summary>
/// The result fragment's model: the scream, and what only its owner sees — the personal best and
/// rank, replay, sharing and delete. A shared result (/s/{token}) has no <see cref="Owner"/> part.
/// </summary>
/// <param name="Scream">The scream.</param>
/// <param name="Owner">The owner's part, or null on the public page.</param>
/// <param name="AudioUrl">Where the audio plays from, or null when it is not kept or not shared.</param>
/// <param name="AudioDeletedAfter">When retention deletes the audio, while it is kept.</param>
public sealed record ScreamResult(ScreamView Scream, OwnerPart? Owner, string? AudioUrl, DateTimeOffset? AudioDeletedAfter);

/// <summary>
/// What the owner sees beside a scored scream.
/// </summary>
/// <param name="PersonalBest">The scream beats every earlier scored scream of the player (or is their first).</param>
/// <param name="Rank">The player's rank this period, 1-based; null when the scream is not in this period.</param>
/// <param name="ActivePlayers">How many players have scored this period.</param>
/// <param name="ShareUrl">The public link while shared; null while private.</param>
public sealed record OwnerPart(bool PersonalBest, int? Rank, int ActivePlayers, string? ShareUrl);

/// <summary>A word for a score, so a number means something at a glance.</summary>
public static class ScoreTier
{
    /// <summary>The tier's Japanese word (the resource key; English comes from the resources).</summary>
    public static string Of(decimal score) => score switch
    {
        >= 90m => "伝説の奇声",
        >= 75m => "大絶叫",
        >= 50m => "絶叫",
        >= 25m => "大声",
        _ => "つぶやき",
    };
}
