namespace Kisei.Web.Scaling;

/// <summary>
/// The simulated cluster's Deployment: a single row, so that every replica of Kisei sees the same one.
/// Observed replicas reach <see cref="DesiredReplicas"/> a startup delay after <see cref="DesiredChangedAt"/>.
/// </summary>
public class SimulatedClusterState
{
    /// <summary>The only row's id.</summary>
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    /// <summary>spec.replicas: the count last asked for.</summary>
    public int DesiredReplicas { get; set; }

    /// <summary>The replicas that were running when <see cref="DesiredReplicas"/> last changed; they run until the startup delay is over.</summary>
    public int ObservedReplicas { get; set; }

    public DateTimeOffset DesiredChangedAt { get; set; }
}
