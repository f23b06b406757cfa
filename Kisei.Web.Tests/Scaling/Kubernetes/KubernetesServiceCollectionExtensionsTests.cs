using Kisei.Web.Scaling;
using Kisei.Web.Scaling.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

public sealed class KubernetesServiceCollectionExtensionsTests
{
    [Fact]
    public void Auto_without_credentials_leaves_the_simulated_cluster_to_the_caller()
    {
        var services = new ServiceCollection();

        var isKubernetes = services.AddKubernetesScaler(Configuration([]), _ => null);

        Assert.False(isKubernetes);
        Assert.DoesNotContain(services, service => service.ServiceType == typeof(IClusterScaler));
    }

    [Fact]
    public async Task Auto_inside_a_pod_registers_the_kubernetes_scaler()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var serviceAccount = ScalerHost.ServiceAccountFolder(ns: "team-a");
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        Assert.True(host.IsKubernetes);
        var scaler = Assert.IsType<KubernetesScaler>(host.Scaler);
        Assert.False(scaler.IsSimulated);
        var connection = host.Services.GetRequiredService<KubernetesConnection>();
        Assert.Equal(new Uri($"https://127.0.0.1:{server.Port}/"), connection.Server);
        Assert.Equal("team-a", connection.Namespace);
    }

    [Fact]
    public void An_empty_namespace_setting_means_the_service_account_namespace()
    {
        using var serviceAccount = ScalerHost.ServiceAccountFolder(ns: "from-file");
        var services = new ServiceCollection();

        var path = System.Text.Json.JsonSerializer.Serialize(serviceAccount.Path);
        var text = "{\"Scaling\": {\"Namespace\": null, \"Kubernetes\": {\"ServiceAccountPath\": " + path + "} } }";
        var json = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text))).Build();
        Assert.True(services.AddKubernetesScaler(json, InPod));
        Assert.True(new ServiceCollection().AddKubernetesScaler(
            Configuration(new() { ["Scaling:Namespace"] = "", ["Scaling:Kubernetes:ServiceAccountPath"] = serviceAccount.Path }), InPod));

        var connection = Assert.IsType<KubernetesConnection>(
            Assert.Single(services, service => service.ServiceType == typeof(KubernetesConnection)).ImplementationInstance);
        Assert.Equal("from-file", connection.Namespace);
    }

    [Fact]
    public void Simulated_mode_ignores_a_service_account()
    {
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        var services = new ServiceCollection();

        var isKubernetes = services.AddKubernetesScaler(
            Configuration(new() { ["Scaling:Mode"] = "Simulated", ["Scaling:Kubernetes:ServiceAccountPath"] = serviceAccount.Path }),
            InPod);

        Assert.False(isKubernetes);
        Assert.DoesNotContain(services, service => service.ServiceType == typeof(IClusterScaler));
    }

    [Fact]
    public void Kubernetes_mode_without_credentials_fails_at_start_with_a_clear_message()
    {
        using var empty = new TempFolder();

        var error = Assert.Throws<KubernetesConfigurationException>(() => new ServiceCollection().AddKubernetesScaler(
            Configuration(new() { ["Scaling:Mode"] = "Kubernetes", ["Scaling:Kubernetes:ServiceAccountPath"] = empty.Path }),
            _ => null));

        Assert.Contains("Scaling:Mode is Kubernetes", error.Message, StringComparison.Ordinal);
        Assert.Contains("KUBECONFIG", error.Message, StringComparison.Ordinal);
        Assert.Contains(empty.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_mode_with_a_kubeconfig_from_the_environment_registers_the_scaler()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", """
            current-context: c
            contexts: [{name: c, context: {cluster: x, user: u, namespace: from-context}}]
            clusters: [{name: x, cluster: {server: "https://127.0.0.1:6443"}}]
            users: [{name: u, user: {token: t}}]
            """);
        var services = new ServiceCollection();

        var isKubernetes = services.AddKubernetesScaler(
            Configuration(new() { ["Scaling:Mode"] = "Kubernetes", ["Scaling:Kubernetes:ServiceAccountPath"] = folder.Path }),
            // KUBECONFIG is a path list; the first file that exists is the one.
            name => name == "KUBECONFIG" ? string.Join(Path.PathSeparator, Path.Combine(folder.Path, "missing"), path) : null);

        Assert.True(isKubernetes);
        var connection = Assert.IsType<KubernetesConnection>(
            Assert.Single(services, service => service.ServiceType == typeof(KubernetesConnection)).ImplementationInstance);
        Assert.Equal("from-context", connection.Namespace);
    }

    [Fact]
    public void A_configured_kubeconfig_path_that_does_not_exist_fails_at_start_even_in_auto_mode()
    {
        var error = Assert.Throws<KubernetesConfigurationException>(() => new ServiceCollection().AddKubernetesScaler(
            Configuration(new() { ["Scaling:Kubernetes:KubeconfigPath"] = "/no/such/kubeconfig" }),
            _ => null));

        Assert.Contains("/no/such/kubeconfig", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Scaling:Namespace", "Team_A")]
    [InlineData("Scaling:Namespace", "team-a\n")]
    [InlineData("Scaling:Deployment", "")]
    [InlineData("Scaling:Deployment", "kisei/../other")]
    [InlineData("Scaling:Kubernetes:MaxAttempts", "0")]
    [InlineData("Scaling:Kubernetes:RequestTimeout", "00:00:00")]
    [InlineData("Scaling:Kubernetes:InitialBackoff", "-00:00:01")]
    public void Invalid_settings_fail_at_start(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(
            () => new ServiceCollection().AddKubernetesScaler(Configuration(new() { [key] = value }), _ => null));

        Assert.Contains(key.Split(':')[^1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_are_validated_on_start_as_well()
    {
        var services = new ServiceCollection();
        services.AddKubernetesScaler(Configuration([]), _ => null);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ClusterOptions>>().Value;

        Assert.Equal((ClusterMode.Auto, null, "kisei"), (options.Mode, options.Namespace, options.Deployment));
        Assert.Equal(TimeSpan.FromSeconds(10), options.Kubernetes.RequestTimeout);
        Assert.Contains(provider.GetServices<IValidateOptions<ClusterOptions>>(), validator => validator is ClusterOptionsValidator);
    }

    private static string? InPod(string name) => name switch
    {
        "KUBERNETES_SERVICE_HOST" => "10.96.0.1",
        "KUBERNETES_SERVICE_PORT" => "443",
        _ => null,
    };

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
