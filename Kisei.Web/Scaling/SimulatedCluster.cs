using Kisei.Web.Data;
using Kisei.Web.Scaling.Kubernetes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling;

/// <summary>
/// The cluster Kisei drives when none is configured (docs/design.md §1.4). Its Deployment is one database row, so
/// every replica of Kisei and every restart sees the same one. Like a real Deployment, a new replica count
/// is asked for at once and observed later: the pods that were running stay the observed count until
/// <see cref="ScalingOptions.SimulatedStartupSeconds"/> have passed, then the desired count takes over.
/// </summary>
public sealed class SimulatedCluster(
    IDbContextFactory<KiseiDbContext> contexts,
    TimeProvider time,
    IOptions<ScalingOptions> scaling,
    IOptions<ClusterOptions> cluster) : IClusterScaler
{
    /// <summary>The namespace reported when Scaling:Namespace is unset.</summary>
    public const string DefaultNamespace = "simulated";

    public bool IsSimulated => true;

    public async Task<DeploymentScale> GetScaleAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var state = await LoadAsync(db, forUpdate: false, cancellationToken);
        return Scale(state, time.GetUtcNow());
    }

    public async Task<DeploymentScale> SetReplicasAsync(int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var state = await LoadAsync(db, forUpdate: true, cancellationToken);
        var now = time.GetUtcNow();
        if (state.DesiredReplicas != replicas)
        {
            // The pods running now keep running until the new count has had time to start (or stop).
            state.ObservedReplicas = ObservedAt(state, now);
            state.DesiredReplicas = replicas;
            state.DesiredChangedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Scale(state, now);
    }

    private DeploymentScale Scale(SimulatedClusterState state, DateTimeOffset now) =>
        new(cluster.Value.Namespace is { Length: > 0 } ns ? ns : DefaultNamespace, cluster.Value.Deployment, state.DesiredReplicas, ObservedAt(state, now));

    private int ObservedAt(SimulatedClusterState state, DateTimeOffset now) =>
        now - state.DesiredChangedAt >= scaling.Value.SimulatedStartup ? state.DesiredReplicas : state.ObservedReplicas;

    /// <summary>Reads the row, creating it on first use with MinReplicas running, as a fresh Deployment would.</summary>
    private async Task<SimulatedClusterState> LoadAsync(KiseiDbContext db, bool forUpdate, CancellationToken cancellationToken)
    {
        var state = await ReadAsync(db, forUpdate, cancellationToken);
        if (state is not null)
        {
            return state;
        }

        // Replicas starting together may both get here; the key lets one insert win and the other read it.
        var initial = scaling.Value.MinReplicas;
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO simulated_cluster_state (id, desired_replicas, observed_replicas, desired_changed_at)
            VALUES ({SimulatedClusterState.SingletonId}, {initial}, {initial}, {time.GetUtcNow()})
            ON CONFLICT (id) DO NOTHING
            """,
            cancellationToken);
        return await ReadAsync(db, forUpdate, cancellationToken)
            ?? throw new InvalidOperationException("The simulated cluster's row vanished as it was created.");
    }

    private static Task<SimulatedClusterState?> ReadAsync(KiseiDbContext db, bool forUpdate, CancellationToken cancellationToken)
    {
        var query = forUpdate
            ? db.SimulatedClusterState.FromSql($"SELECT * FROM simulated_cluster_state WHERE id = {SimulatedClusterState.SingletonId} FOR UPDATE")
            : db.SimulatedClusterState.AsNoTracking().Where(s => s.Id == SimulatedClusterState.SingletonId);
        return query.SingleOrDefaultAsync(cancellationToken);
    }
}
