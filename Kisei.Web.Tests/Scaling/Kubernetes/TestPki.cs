using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

/// <summary>
/// A throwaway certificate authority made for the test run: a CA, a server certificate for
/// 127.0.0.1/localhost and a client certificate signed by it, and a second, rogue CA with its own
/// server certificate.
/// </summary>
internal sealed class TestPki
{
    private static readonly Lazy<TestPki> Instance = new(() => new TestPki());

    private TestPki()
    {
        Ca = CreateCa("CN=kisei-test-ca");
        RogueCa = CreateCa("CN=kisei-rogue-ca");
        ServerCertificate = Issue(Ca, "CN=kisei-test-apiserver", ServerAuth, withServerNames: true, out _);
        RogueServerCertificate = Issue(RogueCa, "CN=kisei-rogue-apiserver", ServerAuth, withServerNames: true, out _);
        ClientCertificate = Issue(Ca, "CN=kisei-test-client", ClientAuth, withServerNames: false, out var clientKey);
        ClientKeyPem = clientKey;
    }

    public static TestPki Shared => Instance.Value;

    public X509Certificate2 Ca { get; }

    public X509Certificate2 RogueCa { get; }

    /// <summary>Signed by <see cref="Ca"/>, for 127.0.0.1 and localhost, with its key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Signed by <see cref="RogueCa"/>, for the same names, with its key.</summary>
    public X509Certificate2 RogueServerCertificate { get; }

    /// <summary>Signed by <see cref="Ca"/> for client authentication, with its key.</summary>
    public X509Certificate2 ClientCertificate { get; }

    public string CaPem => Ca.ExportCertificatePem();

    public string ClientCertificatePem => ClientCertificate.ExportCertificatePem();

    public string ClientKeyPem { get; }

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return Reload(certificate);
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, string usage, bool withServerNames, out string keyPem)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (withServerNames)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return Reload(withKey);
    }

    // A PKCS#12 round trip gives the key a form every TLS stack accepts.
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
