using System.Collections.Concurrent;

namespace Kisei.Web.Screams;

/// <summary>
/// Tells the requests waiting for a scream's result that a run on this replica has just ended, so a
/// player's page shows the score as soon as it is stored instead of at its next poll. A run on another
/// replica is not announced here: <see cref="WaitAsync"/> looks at the database again every
/// <see cref="RecheckInterval"/> for that.
/// </summary>
public sealed class ScoreBulletin
{
    /// <summary>How often a waiter looks for a result that no announcement brought.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> runsEnded = new();

    /// <summary>A run for the scream ended here, whatever its outcome.</summary>
    public void Announce(Guid screamId)
    {
        if (runsEnded.TryRemove(screamId, out var ended))
        {
            ended.TrySetResult();
        }
    }

    /// <summary>
    /// Waits until <paramref name="settled"/> holds, for at most <paramref name="timeout"/>: at once, after
    /// each announcement for the scream, and every <see cref="RecheckInterval"/>. Returns whether it held.
    /// </summary>
    public async Task<bool> WaitAsync(Guid screamId, Func<CancellationToken, Task<bool>> settled, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settled);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                // Listen first, then look: a run that ends in between is seen either way.
                var ended = runsEnded.GetOrAdd(screamId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                if (await settled(cancellationToken))
                {
                    return true;
                }

                await Task.WhenAny(ended, Task.Delay(RecheckInterval, deadline.Token));
                deadline.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            // Nobody may announce this scream here (it is scored elsewhere); leave nothing behind.
            if (runsEnded.TryGetValue(screamId, out var left) && !left.Task.IsCompleted)
            {
                runsEnded.TryRemove(new KeyValuePair<Guid, TaskCompletionSource>(screamId, left));
            }
        }
    }
}
