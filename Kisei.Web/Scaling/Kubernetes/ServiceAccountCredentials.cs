using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// The credentials a pod gets from its service account: KUBERNETES_SERVICE_HOST/_PORT and the mounted
/// folder with token, ca.crt and namespace (the same inputs as client-go's InClusterConfig).
/// </summary>
internal static class ServiceAccountCredentials
{
    public const string HostVariable = "KUBERNETES_SERVICE_HOST";
    public const string PortVariable = "KUBERNETES_SERVICE_PORT";

    /// <summary>True inside a pod that mounts a service-account token.</summary>
    public static bool ArePresent(string serviceAccountPath, Func<string, string?> environment) =>
        !string.IsNullOrWhiteSpace(environment(HostVariable))
        && !string.IsNullOrWhiteSpace(environment(PortVariable))
        && File.Exists(Path.Combine(serviceAccountPath, "token"));

    public static KubernetesConnection Load(string serviceAccountPath, string? configuredNamespace, Func<string, string?> environment)
    {
        var server = ServerUri(environment(HostVariable), environment(PortVariable));
        var caPath = Path.Combine(serviceAccountPath, "ca.crt");
        var roots = CertificateFiles.LoadRoots(caPath);
        var defaultNamespace = configuredNamespace ?? ReadNamespace(Path.Combine(serviceAccountPath, "namespace"));
        return new KubernetesConnection(server, defaultNamespace, $"service account {serviceAccountPath}")
        {
            TrustedRoots = roots,
            Token = BearerToken.FromFile(Path.Combine(serviceAccountPath, "token")),
        };
    }

    internal static Uri ServerUri(string? host, string? port)
    {
        host = host?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            throw new KubernetesConfigurationException($"{HostVariable} is not set.");
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubernetesConfigurationException($"{PortVariable} '{port}' is not a port number.");
        }

        // An IPv6 service address needs brackets in a URL, as Go's net.JoinHostPort adds them.
        var authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        if (!Uri.TryCreate($"https://{authority}:{portNumber.ToString(CultureInfo.InvariantCulture)}/", UriKind.Absolute, out var server)
            || server.AbsolutePath != "/")
        {
            throw new KubernetesConfigurationException($"{HostVariable} '{host}' is not a host name or address.");
        }

        return server;
    }

    private static string ReadNamespace(string path)
    {
        string value;
        try
        {
            value = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException(
                $"The service account's namespace file {path} cannot be read ({e.Message}); set {ClusterOptions.SectionName}:Namespace.", e);
        }

        if (!ClusterOptionsValidator.IsDnsLabel(value))
        {
            throw new KubernetesConfigurationException($"The service account's namespace file {path} holds '{value}', which is not a namespace.");
        }

        return value;
    }
}

/// <summary>PEM certificates and keys from files or from kubeconfig's base64 -data fields.</summary>
internal static class CertificateFiles
{
    public static X509Certificate2Collection LoadRoots(string path) => ParseRoots(ReadText(path, "CA certificate"), path);

    public static X509Certificate2Collection ParseRoots(string pem, string origin)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"The CA certificate from {origin} is not valid PEM: {e.Message}", e);
        }

        if (roots.Count == 0)
        {
            throw new KubernetesConfigurationException($"The CA certificate from {origin} holds no PEM certificate.");
        }

        return roots;
    }

    public static X509Certificate2 ParseClientCertificate(string certificatePem, string keyPem, string origin)
    {
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // SslStream on Windows cannot use an ephemeral key; a PKCS#12 round trip gives it a stored one.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"The client certificate and key from {origin} cannot be loaded: {e.Message}", e);
        }
    }

    public static string ReadText(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"The {what} file {path} cannot be read: {e.Message}", e);
        }
    }
}
