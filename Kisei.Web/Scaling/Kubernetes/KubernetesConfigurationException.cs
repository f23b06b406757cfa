namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// The cluster settings or credentials cannot be used: a missing file, a kubeconfig without the named
/// context, an auth method Kisei does not support. Thrown at start.
/// </summary>
public sealed class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException(string message)
        : base(message)
    {
    }

    public KubernetesConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
