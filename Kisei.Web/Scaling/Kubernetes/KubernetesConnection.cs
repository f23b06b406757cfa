using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// A real cluster: KubernetesClient's configuration (server, credentials, trust), the Deployment's namespace,
/// and where it all came from. Made once at start from the pod's service account or a kubeconfig.
/// </summary>
public sealed class KubernetesConnection
{
    public const string HostVariable = "KUBERNETES_SERVICE_HOST";
    public const string PortVariable = "KUBERNETES_SERVICE_PORT";
    public const string KubeconfigVariable = "KUBECONFIG";

    private KubernetesConnection(KubernetesClientConfiguration configuration, string defaultNamespace, string source, TokenFile? tokenFile)
    {
        Configuration = configuration;
        Namespace = defaultNamespace;
        Source = source;
        TokenFile = tokenFile;
        Server = new Uri(configuration.Host);
        ServerTrust.TrustOnlyConfiguredRoots(configuration);
    }

    /// <summary>The API server's base address.</summary>
    public Uri Server { get; }

    /// <summary>The Deployment's namespace: configured, else from the credentials, else "default".</summary>
    public string Namespace { get; }

    /// <summary>Where the credentials came from, for logs: the service-account folder, or the kubeconfig and context.</summary>
    public string Source { get; }

    /// <summary>What <see cref="k8s.Kubernetes"/> is built from.</summary>
    internal KubernetesClientConfiguration Configuration { get; }

    /// <summary>The token file read before each call, when the credentials are one.</summary>
    internal TokenFile? TokenFile { get; }

    /// <summary>KubernetesClient for this cluster; made at start, so a client certificate that cannot be loaded fails the start.</summary>
    internal k8s.Kubernetes CreateClient()
    {
        // Each attempt's timeout is the pipeline's (Scaling:Kubernetes:RequestTimeout); the client's own would only cut it short.
        Configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        try
        {
            return new k8s.Kubernetes(Configuration);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            var files = Configuration.ClientCertificateFilePath is { } certificate ? $" ({certificate}, {Configuration.ClientKeyFilePath})" : "";
            throw new KubernetesConfigurationException($"The client certificate from {Source}{files} cannot be loaded: {e.Message}", e);
        }
    }

    /// <summary>True inside a pod that mounts a service-account token (client-go's InClusterConfig inputs).</summary>
    internal static bool IsInCluster(string serviceAccountPath, Func<string, string?> environment) =>
        !string.IsNullOrWhiteSpace(environment(HostVariable))
        && !string.IsNullOrWhiteSpace(environment(PortVariable))
        && File.Exists(Path.Combine(serviceAccountPath, "token"));

    /// <summary>
    /// KubernetesClient's InClusterConfig, with the folder and environment as parameters (the library's are
    /// fixed) and the namespace checked: KUBERNETES_SERVICE_HOST/_PORT, the token, ca.crt and namespace files.
    /// </summary>
    internal static KubernetesConnection InCluster(string serviceAccountPath, string? configuredNamespace, Func<string, string?> environment)
    {
        var caPath = Path.Combine(serviceAccountPath, "ca.crt");
        var tokenFile = new TokenFile(Path.Combine(serviceAccountPath, "token"));
        var configuration = new KubernetesClientConfiguration
        {
            Host = ServerUri(environment(HostVariable), environment(PortVariable)).AbsoluteUri,
            SslCaCerts = LoadRoots(caPath),
            TokenProvider = tokenFile,
        };
        var defaultNamespace = configuredNamespace ?? ReadNamespace(Path.Combine(serviceAccountPath, "namespace"));
        return new KubernetesConnection(configuration, defaultNamespace, $"service account {serviceAccountPath}", tokenFile);
    }

    /// <summary>
    /// A kubeconfig read by KubernetesClient, plus the user's <c>tokenFile</c>, which the library ignores.
    /// </summary>
    internal static KubernetesConnection FromKubeconfig(string path, string? contextName, string? configuredNamespace)
    {
        var where = $"kubeconfig {path}";
        KubernetesClientConfiguration configuration;
        TokenFile? tokenFile = null;
        try
        {
            var file = KubernetesClientConfiguration.LoadKubeConfig(path);
            var context = string.IsNullOrWhiteSpace(contextName) ? file.CurrentContext : contextName;
            var userName = file.Contexts?.FirstOrDefault(entry => entry.Name == context)?.ContextDetails?.User;
            if (file.Users?.FirstOrDefault(entry => entry.Name == userName) is { } user && TokenFilePath(path, user.Name) is { } tokenPath)
            {
                tokenFile = new TokenFile(tokenPath);
                // The library refuses a user without credentials it knows, so it is handed the token read now;
                // the TokenProvider set below wins over it, and reads the file again for every request.
                user.UserCredentials ??= new UserCredentials();
                user.UserCredentials.Token = File.ReadAllText(tokenPath).Trim();
            }

            configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(file, context);
        }
        catch (Exception e) when (e is KubeConfigException or YamlException or IOException or UnauthorizedAccessException
            or CryptographicException or FormatException)
        {
            throw new KubernetesConfigurationException($"The {where} cannot be used: {e.Message}", e);
        }

        if (tokenFile is not null)
        {
            configuration.TokenProvider = tokenFile;
        }

        where = $"{where}, context '{configuration.CurrentContext}'";
        var server = new Uri(configuration.Host);
        // Plain HTTP is kept for `kubectl proxy` on this machine; anywhere else it would send the token in clear.
        if (server.Scheme != Uri.UriSchemeHttps && !(server.Scheme == Uri.UriSchemeHttp && server.IsLoopback))
        {
            throw new KubernetesConfigurationException($"The {where} has server {server}: only https, or http on a loopback address, is supported.");
        }

        var defaultNamespace = configuredNamespace ?? (string.IsNullOrWhiteSpace(configuration.Namespace) ? "default" : configuration.Namespace.Trim());
        if (!ClusterOptionsValidator.IsDnsLabel(defaultNamespace))
        {
            throw new KubernetesConfigurationException($"The {where} sets namespace '{defaultNamespace}', which is not a namespace.");
        }

        return new KubernetesConnection(configuration, defaultNamespace, where, tokenFile);
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

    private static X509Certificate2Collection LoadRoots(string path)
    {
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(File.ReadAllText(path));
            return roots.Count > 0 ? roots : throw new KubernetesConfigurationException($"The CA certificate file {path} holds no PEM certificate.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new KubernetesConfigurationException($"The CA certificate file {path} cannot be loaded: {e.Message}", e);
        }
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

        return ClusterOptionsValidator.IsDnsLabel(value)
            ? value
            : throw new KubernetesConfigurationException($"The service account's namespace file {path} holds '{value}', which is not a namespace.");
    }

    /// <summary>users[name].user.tokenFile in one kubeconfig file, resolved against its folder as kubectl does; null when absent.</summary>
    private static string? TokenFilePath(string kubeconfigPath, string userName)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(kubeconfigPath))
        {
            yaml.Load(reader);
        }

        if (yaml.Documents is not [{ RootNode: YamlMappingNode root }, ..] || Child(root, "users") is not YamlSequenceNode users)
        {
            return null;
        }

        var user = users.OfType<YamlMappingNode>().FirstOrDefault(entry => (Child(entry, "name") as YamlScalarNode)?.Value == userName);
        return user is not null && Child(user, "user") is YamlMappingNode credentials
            && Child(credentials, "tokenFile") is YamlScalarNode { Value: { Length: > 0 } tokenFile }
            ? Path.GetFullPath(tokenFile, Path.GetDirectoryName(Path.GetFullPath(kubeconfigPath))!)
            : null;
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;
}
