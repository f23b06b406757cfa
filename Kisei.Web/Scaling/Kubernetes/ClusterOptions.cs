namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// Which cluster the scaling job drives and how Kisei reaches it. Bound from the <c>Scaling</c> section,
/// which the replica policy's options share: binding ignores keys a class does not declare, so each reads
/// its own. The Kubernetes connection settings sit one level down, in <c>Scaling:Kubernetes</c>.
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Scaling";

    /// <summary>Auto: a real cluster if credentials are found, else simulated. Kubernetes: a real cluster or fail at start.</summary>
    public ClusterMode Mode { get; set; } = ClusterMode.Auto;

    /// <summary>The Deployment's namespace; unset means the service account's or the kubeconfig context's, else "default".</summary>
    public string? Namespace { get; set; }

    /// <summary>The name of the Deployment to scale: Kisei's own by default.</summary>
    public string Deployment { get; set; } = "kisei";

    /// <summary>How to reach a real cluster.</summary>
    public KubernetesConnectionOptions Kubernetes { get; set; } = new();
}

/// <summary>Which cluster <see cref="ClusterOptions.Mode"/> selects.</summary>
public enum ClusterMode
{
    /// <summary>Scaling:Kubernetes:KubeconfigPath if set, else the pod's service account, else the KUBECONFIG file, else simulated.</summary>
    Auto,

    /// <summary>A real cluster; start fails when no credentials are found.</summary>
    Kubernetes,

    /// <summary>The simulated cluster, even inside a real one.</summary>
    Simulated,
}

/// <summary>The <c>Scaling:Kubernetes</c> section: where the credentials are, and the resilience pipeline's timeout and retries.</summary>
public sealed class KubernetesConnectionOptions
{
    /// <summary>The folder holding the service account's token, ca.crt and namespace.</summary>
    public string ServiceAccountPath { get; set; } = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>A kubeconfig file to use outside a cluster; unset means the first existing file in KUBECONFIG.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The kubeconfig context to use; unset means its current-context.</summary>
    public string? KubeconfigContext { get; set; }

    /// <summary>How long one API request may take before it counts as timed out.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per call, the first included, for errors worth retrying (409, 429, 5xx, timeouts, connection failures).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>About the wait before the second attempt; later waits grow exponentially, with Polly's decorrelated jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between attempts, Retry-After included.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);
}
