using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// Makes the configured CA the only trusted root. KubernetesClient checks a configured CA only when the
/// system store has already refused the server's certificate, so a certificate from any public CA would
/// pass; docs/design.md §1.4 wants ca.crt, and nothing else, to vouch for the API server.
/// </summary>
internal static class ServerTrust
{
    public static void TrustOnlyConfiguredRoots(KubernetesClientConfiguration configuration)
    {
        if (configuration.SkipTlsVerify || configuration.SslCaCerts is not { Count: > 0 } roots)
        {
            // insecure-skip-tls-verify is the kubeconfig's explicit choice (the scaler logs a warning), and no
            // CA at all means the system store, as with kubectl.
            return;
        }

        // Without SslCaCerts the client installs no callback of its own over ours.
        configuration.SslCaCerts = null;
        var setup = configuration.FirstMessageHandlerSetup;
        configuration.FirstMessageHandlerSetup = handler =>
        {
            setup?.Invoke(handler);
            handler.SslOptions.RemoteCertificateValidationCallback =
                (_, certificate, presentedChain, errors) => IsSignedByRoots(roots, certificate, presentedChain, errors);
        };
    }

    /// <summary>True only when the certificate names the host and chains to one of <paramref name="roots"/>; the system store is not consulted.</summary>
    internal static bool IsSignedByRoots(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        // SslStream has checked the host name against the request's host; only the chain is ours.
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
