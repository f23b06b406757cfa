using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// Reads the parts of a kubeconfig file that Kisei supports: one context's cluster (server, CA, TLS
/// verification) and user (token, token file, client certificate). Anything that would need a plugin or
/// change who Kisei acts as is refused by name rather than ignored.
/// </summary>
internal static class Kubeconfig
{
    public const string EnvironmentVariable = "KUBECONFIG";

    private static readonly IDeserializer Deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    /// <summary>
    /// The configured path, which must exist, else the first existing file in KUBECONFIG (a path list, as
    /// kubectl reads it), else null.
    /// </summary>
    public static string? FindPath(string? configuredPath, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            return File.Exists(configuredPath)
                ? configuredPath
                : throw new KubernetesConfigurationException(
                    $"{ClusterOptions.SectionName}:Kubernetes:KubeconfigPath names {configuredPath}, which does not exist.");
        }

        return environment(EnvironmentVariable)?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(File.Exists);
    }

    public static KubernetesConnection Load(string path, string? contextName, string? configuredNamespace)
    {
        var text = CertificateFiles.ReadText(path, "kubeconfig");
        KubeconfigFile file;
        try
        {
            file = Deserializer.Deserialize<KubeconfigFile?>(text) ?? new KubeconfigFile();
        }
        catch (YamlException e)
        {
            throw new KubernetesConfigurationException($"The kubeconfig {path} is not valid YAML at line {e.Start.Line}: {e.Message}", e);
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var where = $"kubeconfig {path}";

        contextName = string.IsNullOrWhiteSpace(contextName) ? file.CurrentContext : contextName;
        if (string.IsNullOrWhiteSpace(contextName))
        {
            throw new KubernetesConfigurationException(
                $"The {where} has no current-context; set {ClusterOptions.SectionName}:Kubernetes:KubeconfigContext.");
        }

        var context = Find(file.Contexts, contextName, "context", where).Context
            ?? throw new KubernetesConfigurationException($"Context '{contextName}' in the {where} is empty.");
        where = $"{where}, context '{contextName}'";

        var clusterName = context.Cluster ?? throw new KubernetesConfigurationException($"The {where} names no cluster.");
        var cluster = Find(file.Clusters, clusterName, "cluster", where).Cluster
            ?? throw new KubernetesConfigurationException($"Cluster '{clusterName}' in the {where} is empty.");
        var user = string.IsNullOrEmpty(context.User) ? null : Find(file.Users, context.User, "user", where).User;

        var server = ParseServer(cluster, where);
        var defaultNamespace = configuredNamespace ?? (string.IsNullOrWhiteSpace(context.Namespace) ? "default" : context.Namespace.Trim());
        if (!ClusterOptionsValidator.IsDnsLabel(defaultNamespace))
        {
            throw new KubernetesConfigurationException($"The {where} sets namespace '{defaultNamespace}', which is not a namespace.");
        }

        return new KubernetesConnection(server, defaultNamespace, where)
        {
            TrustedRoots = LoadRoots(cluster, folder, where),
            SkipTlsVerify = cluster.InsecureSkipTlsVerify,
            ClientCertificate = user is null ? null : LoadClientCertificate(user, folder, where),
            Token = user is null ? null : LoadToken(user, folder, where),
        };
    }

    private static T Find<T>(List<T>? entries, string name, string what, string where)
        where T : class, INamed =>
        entries?.FirstOrDefault(entry => entry.Name == name)
        ?? throw new KubernetesConfigurationException(
            $"The {where} has no {what} named '{name}'; it has: {string.Join(", ", entries?.Select(entry => $"'{entry.Name}'") ?? [])}.");

    private static Uri ParseServer(ClusterEntry cluster, string where)
    {
        if (!string.IsNullOrEmpty(cluster.ProxyUrl))
        {
            throw new KubernetesConfigurationException($"The {where} uses proxy-url, which Kisei does not support.");
        }

        if (!string.IsNullOrEmpty(cluster.TlsServerName))
        {
            throw new KubernetesConfigurationException($"The {where} uses tls-server-name, which Kisei does not support.");
        }

        if (!Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server)
            || !string.IsNullOrEmpty(server.Query) || !string.IsNullOrEmpty(server.Fragment) || !string.IsNullOrEmpty(server.UserInfo))
        {
            throw new KubernetesConfigurationException($"The {where} has no usable server URL ('{cluster.Server}').");
        }

        // Plain HTTP is kept for `kubectl proxy` on this machine; anywhere else it would send the token in clear.
        if (server.Scheme == Uri.UriSchemeHttps || (server.Scheme == Uri.UriSchemeHttp && server.IsLoopback))
        {
            return server;
        }

        throw new KubernetesConfigurationException($"The {where} has server {server}: only https, or http on a loopback address, is supported.");
    }

    private static X509Certificate2Collection? LoadRoots(ClusterEntry cluster, string folder, string where)
    {
        if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            return CertificateFiles.ParseRoots(DecodeBase64(cluster.CertificateAuthorityData, "certificate-authority-data", where), $"{where} certificate-authority-data");
        }

        if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            return CertificateFiles.LoadRoots(Resolve(folder, cluster.CertificateAuthority));
        }

        // Neither: the server's certificate must chain to the system store, as with kubectl.
        return null;
    }

    private static X509Certificate2? LoadClientCertificate(UserEntry user, string folder, string where)
    {
        var certificate = Pem(user.ClientCertificateData, user.ClientCertificate, folder, "client-certificate", where);
        var key = Pem(user.ClientKeyData, user.ClientKey, folder, "client-key", where);
        return (certificate, key) switch
        {
            (null, null) => null,
            (not null, not null) => CertificateFiles.ParseClientCertificate(certificate, key, $"{where} user"),
            _ => throw new KubernetesConfigurationException($"The {where} user has a client certificate without a key, or a key without a certificate."),
        };
    }

    private static BearerToken? LoadToken(UserEntry user, string folder, string where)
    {
        var unsupported = new List<string>();
        if (user.Exec is not null)
        {
            unsupported.Add("an exec credential plugin (exec)");
        }

        if (user.AuthProvider is not null)
        {
            unsupported.Add("an auth-provider");
        }

        if (user.Username is not null || user.Password is not null)
        {
            unsupported.Add("basic auth (username/password)");
        }

        if (user.Impersonate is not null || user.ImpersonateGroups is not null || user.ImpersonateUid is not null)
        {
            unsupported.Add("impersonation (as, as-groups, as-uid)");
        }

        if (unsupported.Count > 0)
        {
            throw new KubernetesConfigurationException(
                $"The {where} user uses {string.Join(" and ", unsupported)}, which Kisei does not support; use a token, tokenFile or client certificate.");
        }

        // The file wins over the inline token: it is the one that is kept fresh.
        if (!string.IsNullOrWhiteSpace(user.TokenFile))
        {
            return BearerToken.FromFile(Resolve(folder, user.TokenFile));
        }

        if (!string.IsNullOrWhiteSpace(user.Token))
        {
            return user.Token.AsSpan().Trim().IndexOfAny('\r', '\n') >= 0
                ? throw new KubernetesConfigurationException($"The {where} user's token holds a line break.")
                : BearerToken.FromValue(user.Token);
        }

        return null;
    }

    private static string? Pem(string? data, string? file, string folder, string field, string where) =>
        !string.IsNullOrEmpty(data) ? DecodeBase64(data, $"{field}-data", where)
        : !string.IsNullOrEmpty(file) ? CertificateFiles.ReadText(Resolve(folder, file), field)
        : null;

    private static string DecodeBase64(string data, string field, string where)
    {
        try
        {
            return Encoding.ASCII.GetString(Convert.FromBase64String(data));
        }
        catch (FormatException e)
        {
            throw new KubernetesConfigurationException($"The {where} {field} is not base64.", e);
        }
    }

    // kubectl resolves relative paths in a kubeconfig against the file's own folder.
    private static string Resolve(string folder, string path) => Path.GetFullPath(path, folder);

    private interface INamed
    {
        string? Name { get; }
    }

    private sealed class KubeconfigFile
    {
        [YamlMember(Alias = "current-context")]
        public string? CurrentContext { get; set; }

        [YamlMember(Alias = "clusters")]
        public List<NamedCluster>? Clusters { get; set; }

        [YamlMember(Alias = "contexts")]
        public List<NamedContext>? Contexts { get; set; }

        [YamlMember(Alias = "users")]
        public List<NamedUser>? Users { get; set; }
    }

    private sealed class NamedCluster : INamed
    {
        [YamlMember(Alias = "name")]
        public string? Name { get; set; }

        [YamlMember(Alias = "cluster")]
        public ClusterEntry? Cluster { get; set; }
    }

    private sealed class ClusterEntry
    {
        [YamlMember(Alias = "server")]
        public string? Server { get; set; }

        [YamlMember(Alias = "certificate-authority")]
        public string? CertificateAuthority { get; set; }

        [YamlMember(Alias = "certificate-authority-data")]
        public string? CertificateAuthorityData { get; set; }

        [YamlMember(Alias = "insecure-skip-tls-verify")]
        public bool InsecureSkipTlsVerify { get; set; }

        [YamlMember(Alias = "tls-server-name")]
        public string? TlsServerName { get; set; }

        [YamlMember(Alias = "proxy-url")]
        public string? ProxyUrl { get; set; }
    }

    private sealed class NamedContext : INamed
    {
        [YamlMember(Alias = "name")]
        public string? Name { get; set; }

        [YamlMember(Alias = "context")]
        public ContextEntry? Context { get; set; }
    }

    private sealed class ContextEntry
    {
        [YamlMember(Alias = "cluster")]
        public string? Cluster { get; set; }

        [YamlMember(Alias = "user")]
        public string? User { get; set; }

        [YamlMember(Alias = "namespace")]
        public string? Namespace { get; set; }
    }

    private sealed class NamedUser : INamed
    {
        [YamlMember(Alias = "name")]
        public string? Name { get; set; }

        [YamlMember(Alias = "user")]
        public UserEntry? User { get; set; }
    }

    private sealed class UserEntry
    {
        [YamlMember(Alias = "token")]
        public string? Token { get; set; }

        [YamlMember(Alias = "tokenFile")]
        public string? TokenFile { get; set; }

        [YamlMember(Alias = "client-certificate")]
        public string? ClientCertificate { get; set; }

        [YamlMember(Alias = "client-certificate-data")]
        public string? ClientCertificateData { get; set; }

        [YamlMember(Alias = "client-key")]
        public string? ClientKey { get; set; }

        [YamlMember(Alias = "client-key-data")]
        public string? ClientKeyData { get; set; }

        [YamlMember(Alias = "exec")]
        public object? Exec { get; set; }

        [YamlMember(Alias = "auth-provider")]
        public object? AuthProvider { get; set; }

        [YamlMember(Alias = "username")]
        public string? Username { get; set; }

        [YamlMember(Alias = "password")]
        public string? Password { get; set; }

        [YamlMember(Alias = "as")]
        public string? Impersonate { get; set; }

        [YamlMember(Alias = "as-groups")]
        public object? ImpersonateGroups { get; set; }

        [YamlMember(Alias = "as-uid")]
        public string? ImpersonateUid { get; set; }
    }
}
