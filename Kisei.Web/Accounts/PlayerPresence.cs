using System.Collections.Concurrent;
using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Accounts;

/// <summary>
/// Records when each player was last seen, for "players online" (seen in the last 60 s). Writes at
/// most once per <see cref="WriteInterval"/> per player and replica.
/// </summary>
public sealed class PlayerPresence(TimeProvider time)
{
    /// <summary>How stale a player's last-seen time may get before a request refreshes it.</summary>
    public static readonly TimeSpan WriteInterval = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<long, DateTimeOffset> lastWritten = new();

    /// <summary>
    /// Refreshes the player's last-seen time when it is due. The request's database context is only
    /// resolved then, so most requests (page assets, the 5 s polls) never create one.
    /// </summary>
    public async Task TouchAsync(long playerId, IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestServices);
        var now = time.GetUtcNow();
        if (lastWritten.TryGetValue(playerId, out var written) && now - written < WriteInterval)
        {
            return;
        }

        lastWritten[playerId] = now;
        var db = requestServices.GetRequiredService<KiseiDbContext>();
        await db.Players.Where(p => p.Id == playerId)
            .ExecuteUpdateAsync(update => update.SetProperty(p => p.LastSeenAt, now), cancellationToken);
    }
}
