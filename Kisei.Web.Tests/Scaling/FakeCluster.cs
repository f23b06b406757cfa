using Kisei.Web.Scaling;

namespace Kisei.Web.Tests.Scaling;

/// <summary>A Deployment the test controls: what it reports, what it was asked, and when it fails.</summary>
public sealed class FakeCluster(int desiredReplicas = 1, int? observedReplicas = null, bool simulated = false) : IClusterScaler
{
    public int DesiredReplicas { get; set; } = desiredReplicas;

    public int ObservedReplicas { get; set; } = observedReplicas ?? desiredReplicas;

    /// <summary>Thrown by the next reads when set.</summary>
    public Exception? ReadFailure { get; set; }

    /// <summary>Thrown by the next writes when set.</summary>
    public Exception? WriteFailure { get; set; }

    /// <summary>Every replica count asked for, in order.</summary>
    public List<int> Requests { get; } = [];

    public bool IsSimulated => simulated;

    public Task<DeploymentScale> GetScaleAsync(CancellationToken cancellationToken) =>
        ReadFailure is { } failure ? Task.FromException<DeploymentScale>(failure) : Task.FromResult(Scale());

    public Task<DeploymentScale> SetReplicasAsync(int replicas, CancellationToken cancellationToken)
    {
        Requests.Add(replicas);
        if (WriteFailure is { } failure)
        {
            return Task.FromException<DeploymentScale>(failure);
        }

        // Pods take a while to start: only spec.replicas changes now.
        DesiredReplicas = replicas;
        return Task.FromResult(Scale());
    }

    private DeploymentScale Scale() => new("default", "kisei", DesiredReplicas, ObservedReplicas);
}
