using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// Caps the uploads one instance reads at once, in all and per player, so that a crowd of large
/// bodies cannot take the pod past its memory limit. Asked before a byte of the body is read; a
/// refused upload is answered at once. Per instance by design: each replica guards its own memory.
/// </summary>
public sealed class UploadGate(IOptions<ScreamOptions> options)
{
    private readonly Lock sync = new();
    private readonly Dictionary<long, int> perPlayer = [];
    private int total;

    /// <summary>The uploads being read or stored now.</summary>
    public int InFlight
    {
        get
        {
            lock (sync)
            {
                return total;
            }
        }
    }

    /// <summary>Takes a slot for the player's upload; the slot is given back when disposed.</summary>
    public UploadSlot TryEnter(long playerId)
    {
        var limits = options.Value;
        lock (sync)
        {
            var mine = perPlayer.GetValueOrDefault(playerId);
            if (mine >= limits.MaxConcurrentUploadsPerPlayer)
            {
                return new UploadSlot(this, playerId, UploadGateAnswer.PlayerBusy);
            }

            if (total >= limits.MaxConcurrentUploads)
            {
                return new UploadSlot(this, playerId, UploadGateAnswer.InstanceBusy);
            }

            perPlayer[playerId] = mine + 1;
            total++;
            return new UploadSlot(this, playerId, UploadGateAnswer.Entered);
        }
    }

    private void Leave(long playerId)
    {
        lock (sync)
        {
            total--;
            if (--perPlayer[playerId] == 0)
            {
                perPlayer.Remove(playerId);
            }
        }
    }

    /// <summary>One upload's place in the gate, or why it has none.</summary>
    public sealed class UploadSlot(UploadGate gate, long playerId, UploadGateAnswer answer) : IDisposable
    {
        private bool held = answer == UploadGateAnswer.Entered;

        public UploadGateAnswer Answer => answer;

        public void Dispose()
        {
            if (held)
            {
                held = false;
                gate.Leave(playerId);
            }
        }
    }
}

/// <summary>Whether an upload may be read now.</summary>
public enum UploadGateAnswer
{
    Entered,

    /// <summary>The player already has their share of uploads in flight: 429.</summary>
    PlayerBusy,

    /// <summary>The instance is reading as many uploads as it may: 503.</summary>
    InstanceBusy,
}
