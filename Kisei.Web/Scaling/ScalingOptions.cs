using System.ComponentModel.DataAnnotations;

namespace Kisei.Web.Scaling;

/// <summary>
/// How the total score drives the replicas (docs/design.md §1.4). Section <c>Scaling</c>, which it shares with
/// <see cref="Kubernetes.ClusterOptions"/>: each class binds only the keys it declares.
/// </summary>
public sealed class ScalingOptions
{
    public const string Section = "Scaling";

    /// <summary>The fewest replicas, whatever the score.</summary>
    [Range(1, 1000)]
    public int MinReplicas { get; set; } = 1;

    /// <summary>The most replicas, before the monthly budget's cap.</summary>
    [Range(1, 1000)]
    public int MaxReplicas { get; set; } = 5;

    /// <summary>Points of total score per extra replica: target = floor(S / this) + 1 (810 in the original).</summary>
    [Range(0.1, 1e12)]
    public decimal PointsPerReplica { get; set; } = 810m;

    /// <summary>How long a lower target must hold before the replicas go down, in seconds (the Kubernetes HPA's default).</summary>
    [Range(0, 86_400)]
    public int StabilizationWindowSeconds { get; set; } = 300;

    /// <summary>How often the scaling job runs, in seconds.</summary>
    [Range(1, 3600)]
    public int IntervalSeconds { get; set; } = 10;

    /// <summary>How long the simulated cluster takes to bring the observed replicas to the desired count, in seconds.</summary>
    [Range(0, 3600)]
    public int SimulatedStartupSeconds { get; set; } = 15;

    public TimeSpan StabilizationWindow => TimeSpan.FromSeconds(StabilizationWindowSeconds);

    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalSeconds);

    public TimeSpan SimulatedStartup => TimeSpan.FromSeconds(SimulatedStartupSeconds);
}
