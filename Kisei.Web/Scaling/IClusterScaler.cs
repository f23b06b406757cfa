namespace Kisei.Web.Scaling;

/// <summary>
/// The Deployment the scaling job drives (docs/design.md §1.4). Implementations: the Kubernetes API client and the
/// simulated cluster. A real cluster's failure surfaces as an exception for the caller to record; an
/// implementation never falls back to another one.
/// </summary>
public interface IClusterScaler
{
    /// <summary>True for the simulated cluster, which pages mark "simulated".</summary>
    bool IsSimulated { get; }

    /// <summary>Reads the Deployment's scale: spec.replicas and status.replicas (observed).</summary>
    Task<DeploymentScale> GetScaleAsync(CancellationToken cancellationToken);

    /// <summary>Sets spec.replicas; returns the scale the API answered with.</summary>
    Task<DeploymentScale> SetReplicasAsync(int replicas, CancellationToken cancellationToken);
}

/// <summary>A Deployment's scale as the cluster reports it.</summary>
/// <param name="Namespace">The Deployment's namespace.</param>
/// <param name="Deployment">The Deployment's name.</param>
/// <param name="DesiredReplicas">spec.replicas: the count asked for.</param>
/// <param name="ObservedReplicas">status.replicas: the pods that exist now, which the bill is based on.</param>
public sealed record DeploymentScale(string Namespace, string Deployment, int DesiredReplicas, int ObservedReplicas);
