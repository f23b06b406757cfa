using Hangfire;
using Hangfire.Client;

namespace Kisei.Web.Jobs;

/// <summary>
/// Pause and resume for recurring jobs, which Hangfire lacks. The paused ids are a set in Hangfire's
/// own storage, so every replica and every restart sees them. A paused job keeps its schedule: the
/// scheduler still reaches each tick and moves on, but this client filter cancels the run it would
/// create, so resuming returns the job to the schedule it never left.
/// </summary>
public sealed class JobPauses(JobStorage storage)
{
    private const string PausedSet = "kisei:paused-recurring-jobs";

    /// <summary>Hangfire's filters are process-wide; the filter reads the set through each job's own storage connection.</summary>
    private static readonly Lazy<bool> Registered = new(() =>
    {
        GlobalJobFilters.Filters.Add(new PausedJobFilter());
        return true;
    });

    /// <summary>Adds the filter that cancels a paused job's runs, once per process.</summary>
    public static void RegisterFilter() => _ = Registered.Value;

    /// <summary>The ids of the paused recurring jobs.</summary>
    public IReadOnlySet<string> Paused()
    {
        using var connection = storage.GetConnection();
        return connection.GetAllItemsFromSet(PausedSet);
    }

    public void Pause(string recurringJobId) => Change(recurringJobId, pause: true);

    public void Resume(string recurringJobId) => Change(recurringJobId, pause: false);

    private void Change(string recurringJobId, bool pause)
    {
        using var connection = storage.GetConnection();
        using var transaction = connection.CreateWriteTransaction();
        if (pause)
        {
            transaction.AddToSet(PausedSet, recurringJobId);
        }
        else
        {
            transaction.RemoveFromSet(PausedSet, recurringJobId);
        }

        transaction.Commit();
    }

    /// <summary>Cancels the run the scheduler would create for a paused recurring job.</summary>
    private sealed class PausedJobFilter : IClientFilter
    {
        public void OnCreating(CreatingContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.Parameters.TryGetValue("RecurringJobId", out var value) && value is string id
                && context.Connection.GetAllItemsFromSet(PausedSet).Contains(id))
            {
                context.Canceled = true;
            }
        }

        public void OnCreated(CreatedContext context)
        {
        }
    }
}
