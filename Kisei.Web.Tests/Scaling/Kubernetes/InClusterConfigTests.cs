using System.Net.Security;
using Kisei.Web.Scaling.Kubernetes;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

/// <summary>The pod's service account as KubernetesClient's InClusterConfig reads it, with ca.crt the only trusted root.</summary>
public sealed class InClusterConfigTests
{
    [Fact]
    public async Task A_server_certificate_signed_by_ca_crt_is_trusted()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        var scale = await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, scale.ObservedReplicas);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_refused_as_a_tls_error()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.RogueServerCertificate);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount, new() { ["Scaling:Kubernetes:MaxAttempts"] = "3" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.Tls, error.Kind);
        Assert.Null(error.StatusCode);
        // A certificate problem is configuration, not a blip: one attempt, and the token never left.
        Assert.Equal(1, error.Attempts);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void Only_the_given_roots_are_trusted()
    {
        var pki = TestPki.Shared;

        Assert.True(ServerTrust.IsSignedByRoots([pki.Ca], pki.ServerCertificate, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ServerTrust.IsSignedByRoots([pki.Ca], pki.RogueServerCertificate, null, SslPolicyErrors.None));
        Assert.True(ServerTrust.IsSignedByRoots([pki.Ca, pki.RogueCa], pki.RogueServerCertificate, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void A_certificate_for_another_host_or_for_clients_is_refused_even_from_the_right_ca()
    {
        var pki = TestPki.Shared;

        Assert.False(ServerTrust.IsSignedByRoots([pki.Ca], pki.ServerCertificate, null, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(ServerTrust.IsSignedByRoots([pki.Ca], pki.ClientCertificate, null, SslPolicyErrors.None));
        Assert.False(ServerTrust.IsSignedByRoots([pki.Ca], null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Theory]
    [InlineData("10.96.0.1", "443", "https://10.96.0.1:443/")]
    [InlineData("fd00:10:96::1", "443", "https://[fd00:10:96::1]:443/")]
    [InlineData("[fd00::1]", "6443", "https://[fd00::1]:6443/")]
    [InlineData("kubernetes.default.svc", "443", "https://kubernetes.default.svc:443/")]
    public void The_server_address_comes_from_the_service_variables(string host, string port, string expected)
    {
        Assert.Equal(expected, KubernetesConnection.ServerUri(host, port).OriginalString);
    }

    [Theory]
    [InlineData("10.96.0.1", "")]
    [InlineData("10.96.0.1", "https")]
    [InlineData("10.96.0.1", "70000")]
    [InlineData("10.96.0.1", "-1")]
    [InlineData("", "443")]
    [InlineData("10.96.0.1/evil", "443")]
    public void A_bad_service_address_is_a_configuration_error(string host, string port)
    {
        Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.ServerUri(host, port));
    }

    [Fact]
    public void The_namespace_comes_from_the_service_account_folder_unless_configured()
    {
        using var serviceAccount = ScalerHost.ServiceAccountFolder(ns: "screams");
        var environment = Environment("127.0.0.1", "6443");

        Assert.Equal("screams", KubernetesConnection.InCluster(serviceAccount.Path, null, environment).Namespace);
        Assert.Equal("other", KubernetesConnection.InCluster(serviceAccount.Path, "other", environment).Namespace);
    }

    [Theory]
    [InlineData("ca.crt", "not a certificate")]
    [InlineData("namespace", "Not A Namespace")]
    public void Unusable_service_account_files_fail_at_start(string file, string contents)
    {
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        serviceAccount.Write(file, contents);

        var error = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.InCluster(serviceAccount.Path, null, Environment("127.0.0.1", "6443")));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_ca_crt_fails_at_start()
    {
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        File.Delete(Path.Combine(serviceAccount.Path, "ca.crt"));

        var error = Assert.Throws<KubernetesConfigurationException>(
            () => KubernetesConnection.InCluster(serviceAccount.Path, null, Environment("127.0.0.1", "6443")));

        Assert.Contains("ca.crt", error.Message, StringComparison.Ordinal);
    }

    private static Func<string, string?> Environment(string host, string port) => name => name switch
    {
        "KUBERNETES_SERVICE_HOST" => host,
        "KUBERNETES_SERVICE_PORT" => port,
        _ => null,
    };
}
