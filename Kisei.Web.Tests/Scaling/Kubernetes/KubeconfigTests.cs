using System.Net;
using System.Text;
using Kisei.Web.Scaling.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

public sealed class KubeconfigTests
{
    [Fact]
    public async Task A_token_user_with_certificate_authority_data_reaches_the_server()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var folder = new TempFolder();
        var path = folder.Write("config", $$"""
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: local
              cluster:
                server: {{server.Address}}
                certificate-authority-data: {{Base64(TestPki.Shared.CaPem)}}
            contexts:
            - name: dev
              context: {cluster: local, user: dev-user, namespace: screams}
            users:
            - name: dev-user
              user:
                token: kubeconfig-token
            """);
        await using var host = WithKubeconfig(path);

        var scale = await host.Scaler.SetReplicasAsync(2, TestContext.Current.CancellationToken);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/apis/apps/v1/namespaces/screams/deployments/kisei/scale", request.Path);
        Assert.Equal("Bearer kubeconfig-token", request.Authorization);
        Assert.Equal(2, scale.DesiredReplicas);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_certificate_user_is_accepted_by_a_server_that_requires_one(bool inline)
    {
        var pki = TestPki.Shared;
        await using var server = await FakeApiServer.StartAsync(pki.ServerCertificate, clientCa: pki.Ca);
        using var folder = new TempFolder();
        folder.Write("pki/ca.pem", pki.CaPem);
        folder.Write("pki/client.pem", pki.ClientCertificatePem);
        folder.Write("pki/client-key.pem", pki.ClientKeyPem);
        var cluster = inline ? $"certificate-authority-data: {Base64(pki.CaPem)}" : "certificate-authority: pki/ca.pem";
        // The second line is indented to sit beside the first under "user:" in the file below.
        var user = inline
            ? $"client-certificate-data: {Base64(pki.ClientCertificatePem)}\n    client-key-data: {Base64(pki.ClientKeyPem)}"
            : "client-certificate: pki/client.pem\n    client-key: pki/client-key.pem";
        // Relative paths are resolved against the kubeconfig's folder, not the working directory.
        var path = folder.Write("config", $"""
            current-context: admin
            clusters:
            - name: local
              cluster:
                server: {server.Address}
                {cluster}
            contexts:
            - name: admin
              context:
                cluster: local
                user: admin
            users:
            - name: admin
              user:
                {user}
            """);
        await using var host = WithKubeconfig(path);

        await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        var request = Assert.Single(server.Requests);
        Assert.Equal("CN=kisei-test-client", request.ClientCertificateSubject);
        Assert.Null(request.Authorization);
        Assert.Equal("/apis/apps/v1/namespaces/default/deployments/kisei/scale", request.Path);
    }

    [Fact]
    public async Task A_server_that_requires_a_client_certificate_refuses_a_token_alone()
    {
        var pki = TestPki.Shared;
        await using var server = await FakeApiServer.StartAsync(pki.ServerCertificate, clientCa: pki.Ca);
        using var folder = new TempFolder();
        var path = folder.Write("config", TwoContexts(server.Address, pki.CaPem));
        await using var host = WithKubeconfig(path, new() { ["Scaling:Kubernetes:MaxAttempts"] = "1" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        // Under TLS 1.3 the server rejects the missing certificate after the client has finished its side of
        // the handshake, so the client may see a closed connection rather than a handshake failure.
        Assert.True(error.Kind is KubernetesErrorKind.Tls or KubernetesErrorKind.Unreachable, $"kind was {error.Kind}");
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_current_context_is_used_unless_another_is_configured()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var folder = new TempFolder();
        var path = folder.Write("config", TwoContexts(server.Address, TestPki.Shared.CaPem));

        await using (var current = WithKubeconfig(path))
        {
            await current.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);
        }

        await using (var configured = WithKubeconfig(path, new() { ["Scaling:Kubernetes:KubeconfigContext"] = "staging" }))
        {
            await configured.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(
            [
                ("/apis/apps/v1/namespaces/dev-ns/deployments/kisei/scale", "Bearer dev-token"),
                ("/apis/apps/v1/namespaces/staging-ns/deployments/kisei/scale", "Bearer staging-token"),
            ],
            server.Requests.Select(request => (request.Path, request.Authorization)));
    }

    [Fact]
    public async Task A_token_file_is_read_again_before_each_call()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var folder = new TempFolder();
        folder.Write("token", "file-token-1");
        var path = folder.Write("config", SingleUser(server.Address, "tokenFile: token"));
        await using var host = WithKubeconfig(path);
        var scaler = host.Scaler;

        await scaler.GetScaleAsync(TestContext.Current.CancellationToken);
        folder.Write("token", "file-token-2");
        await scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["Bearer file-token-1", "Bearer file-token-2"], server.Requests.Select(request => request.Authorization));
    }

    [Fact]
    public async Task A_401_reads_a_rotated_token_file_again_at_once()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var folder = new TempFolder();
        folder.Write("token", "file-token-old");
        server.Respond = context =>
        {
            if (context.Request.Headers.Authorization == "Bearer file-token-new")
            {
                return FakeApiServer.WriteScaleAsync(context, 3, 3);
            }

            // The token is rotated just after the client read it.
            folder.Write("token", "file-token-new");
            return FakeApiServer.WriteStatusAsync(context, 401, "Unauthorized");
        };
        var path = folder.Write("config", SingleUser(server.Address, "tokenFile: token"));
        await using var host = WithKubeconfig(path, new() { ["Scaling:Kubernetes:MaxAttempts"] = "1" });

        var scale = await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, scale.ObservedReplicas);
        Assert.Equal(["Bearer file-token-old", "Bearer file-token-new"], server.Requests.Select(request => request.Authorization));
    }

    [Fact]
    public async Task A_401_for_a_fixed_token_is_not_retried()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteStatusAsync(context, 401, "Unauthorized");
        using var folder = new TempFolder();
        var path = folder.Write("config", SingleUser(server.Address, "token: expired"));
        await using var host = WithKubeconfig(path, new() { ["Scaling:Kubernetes:MaxAttempts"] = "3" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.Unauthorized, error.Kind);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("Unauthorized", error.ApiMessage);
        Assert.Equal(1, error.Attempts);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_is_honoured_with_a_warning()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.RogueServerCertificate);
        using var folder = new TempFolder();
        var path = folder.Write("config", SingleUser(server.Address, "token: t", clusterExtra: "insecure-skip-tls-verify: true", withCa: false));
        await using var host = WithKubeconfig(path);

        await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Single(server.Requests);
        Assert.Contains(host.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("insecure-skip-tls-verify", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_kubeconfig_ca_is_the_only_trusted_root_too()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.RogueServerCertificate);
        using var folder = new TempFolder();
        var path = folder.Write("config", SingleUser(server.Address, "token: t"));
        await using var host = WithKubeconfig(path);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.Tls, error.Kind);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void A_missing_context_is_a_clear_configuration_error()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", TwoContexts(new Uri("https://127.0.0.1:6443"), TestPki.Shared.CaPem));

        var error = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.FromKubeconfig(path, "prod", null));

        Assert.Contains("prod", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clusters: [}", "cannot be used")]
    [InlineData("clusters: []", "cannot be used")]
    [InlineData("""
        current-context: c
        contexts: [{name: c, context: {cluster: x, user: u}}]
        clusters: [{name: x, cluster: {server: "http://10.0.0.5:8080"}}]
        users: [{name: u, user: {token: t}}]
        """, "loopback")]
    [InlineData("""
        current-context: c
        contexts: [{name: c, context: {cluster: x}}]
        clusters: [{name: x, cluster: {server: "https://10.0.0.5", certificate-authority-data: "%%%"}}]
        """, "cannot be used")]
    [InlineData("""
        current-context: c
        contexts: [{name: c, context: {cluster: x, user: u}}]
        clusters: [{name: x, cluster: {server: "https://10.0.0.5"}}]
        users: [{name: u, user: {client-certificate: missing.pem, client-key: missing-key.pem}}]
        """, "missing.pem")]
    public void A_broken_kubeconfig_fails_at_start_with_a_clear_configuration_error(string yaml, string named)
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", yaml);
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Scaling:Kubernetes:KubeconfigPath"] = path })
            .Build();

        var error = Assert.Throws<KubernetesConfigurationException>(() => new ServiceCollection().AddKubernetesScaler(settings, _ => null));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static ScalerHost WithKubeconfig(string path, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Scaling:Kubernetes:KubeconfigPath"] = path;
        return ScalerHost.Create(settings, new Dictionary<string, string?>());
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    private static string SingleUser(Uri server, string user, string clusterExtra = "", bool withCa = true) => $$"""
        current-context: only
        clusters:
        - name: c
          cluster:
            server: {{server}}
            {{(withCa ? $"certificate-authority-data: {Base64(TestPki.Shared.CaPem)}" : "")}}
            {{clusterExtra}}
        contexts:
        - name: only
          context: {cluster: c, user: u}
        users:
        - name: u
          user:
            {{user}}
        """;

    private static string TwoContexts(Uri server, string caPem) => $$"""
        current-context: dev
        clusters:
        - name: c
          cluster: {server: "{{server}}", certificate-authority-data: "{{Base64(caPem)}}"}
        contexts:
        - {name: dev, context: {cluster: c, user: dev, namespace: dev-ns} }
        - {name: staging, context: {cluster: c, user: staging, namespace: staging-ns} }
        users:
        - {name: dev, user: {token: dev-token} }
        - {name: staging, user: {token: staging-token} }
        """;
}
