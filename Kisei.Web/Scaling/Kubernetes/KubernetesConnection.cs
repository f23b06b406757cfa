using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// A real cluster's API server and the credentials for it, read once at start from the service account or a
/// kubeconfig. The bearer token is the exception: <see cref="BearerToken"/> reads a token file again on every call.
/// </summary>
public sealed class KubernetesConnection
{
    internal KubernetesConnection(Uri server, string defaultNamespace, string source)
    {
        // A trailing slash keeps a kubeconfig server's path prefix when request paths are appended.
        Server = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        Namespace = defaultNamespace;
        Source = source;
    }

    /// <summary>The API server's base address.</summary>
    public Uri Server { get; }

    /// <summary>The Deployment's namespace: configured, else from the credentials, else "default".</summary>
    public string Namespace { get; }

    /// <summary>Where the credentials came from, for logs and pages: the service-account folder or the kubeconfig and context.</summary>
    public string Source { get; }

    /// <summary>The only roots trusted for the server's certificate; null means the system store.</summary>
    internal X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>kubeconfig's insecure-skip-tls-verify: any server certificate is accepted.</summary>
    internal bool SkipTlsVerify { get; init; }

    /// <summary>The certificate, with its private key, presented for mutual TLS.</summary>
    internal X509Certificate2? ClientCertificate { get; init; }

    internal BearerToken? Token { get; init; }

    private int _warnedInsecure;

    internal SocketsHttpHandler CreateHandler(ILogger logger)
    {
        var handler = new SocketsHttpHandler
        {
            // The Authorization header must not follow a redirect to another host.
            AllowAutoRedirect = false,
        };

        if (SkipTlsVerify)
        {
            if (Interlocked.Exchange(ref _warnedInsecure, 1) == 0)
            {
                KubernetesLog.InsecureSkipTlsVerify(logger, Source, Server);
            }

            // The kubeconfig asked for it and the start log says so; honouring it is kubectl's behaviour too.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (TrustedRoots is { } roots)
        {
            handler.SslOptions.RemoteCertificateValidationCallback =
                (_, certificate, presentedChain, errors) => IsSignedByRoots(roots, certificate, presentedChain, errors);
        }

        if (ClientCertificate is { } clientCertificate)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return handler;
    }

    /// <summary>
    /// Trusts a server certificate only when it chains to one of <paramref name="roots"/>: the system store
    /// is not consulted, so a certificate from a public CA is refused just like a self-signed one.
    /// </summary>
    internal static bool IsSignedByRoots(
        X509Certificate2Collection roots,
        X509Certificate? certificate,
        X509Chain? presentedChain,
        SslPolicyErrors errors)
    {
        // The host name was already checked by SslStream against the request's host; only the chain is ours.
        if (certificate is null
            || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)
            || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // The API server's CA publishes no revocation lists; client-go does not check revocation either.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1")); // id-kp-serverAuth
        if (presentedChain is not null)
        {
            // Intermediates the server sent; they still have to end at one of the roots.
            chain.ChainPolicy.ExtraStore.AddRange(presentedChain.ChainPolicy.ExtraStore);
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 leaf)
        {
            return chain.Build(leaf);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(copy);
    }
}

/// <summary>A bearer token: a fixed value from a kubeconfig, or a file read again before each call because projected tokens rotate.</summary>
internal sealed class BearerToken
{
    private readonly string? _value;

    private BearerToken(string? value, string? path)
    {
        _value = value;
        FilePath = path;
    }

    /// <summary>The token file, or null for a fixed token.</summary>
    public string? FilePath { get; }

    public static BearerToken FromValue(string value) => new(value.Trim(), null);

    public static BearerToken FromFile(string path) => new(null, path);

    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorKind.Credentials"/> when the file cannot be read or is empty.</exception>
    public async ValueTask<string> ReadAsync(CancellationToken cancellationToken)
    {
        if (FilePath is null)
        {
            return _value!;
        }

        string token;
        try
        {
            token = (await File.ReadAllTextAsync(FilePath, cancellationToken)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.Credentials, $"The bearer token file {FilePath} cannot be read: {e.Message}", innerException: e);
        }

        // A token with a line break in it would split the Authorization header.
        if (token.Length == 0 || token.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.Credentials, $"The bearer token file {FilePath} is empty or holds more than one line.");
        }

        return token;
    }
}
