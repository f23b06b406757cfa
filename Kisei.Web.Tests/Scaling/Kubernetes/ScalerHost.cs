using System.Globalization;
using Kisei.Web.Scaling;
using Kisei.Web.Scaling.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

/// <summary>
/// The scaler as the app gets it: AddKubernetesScaler over in-memory settings and a made-up process
/// environment, with short retry delays and logs collected.
/// </summary>
internal sealed class ScalerHost(ServiceProvider provider, bool isKubernetes, CollectingLoggerProvider logs)
    : IAsyncDisposable
{
    public bool IsKubernetes { get; } = isKubernetes;

    public CollectingLoggerProvider Logs { get; } = logs;

    public IServiceProvider Services => provider;

    public IClusterScaler Scaler => provider.GetRequiredService<IClusterScaler>();

    public static ScalerHost Create(IDictionary<string, string?> settings, IDictionary<string, string?> environment)
    {
        // Real waits, kept short: the pipeline's own timers are what is tested.
        settings.TryAdd("Scaling:Kubernetes:InitialBackoff", "00:00:00.010");
        settings.TryAdd("Scaling:Kubernetes:MaxBackoff", "00:00:00.050");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        var logs = new CollectingLoggerProvider();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        var isKubernetes = services.AddKubernetesScaler(configuration, name => environment.TryGetValue(name, out var value) ? value : null);
        return new ScalerHost(services.BuildServiceProvider(), isKubernetes, logs);
    }

    /// <summary>A pod whose service-account folder is <paramref name="serviceAccount"/>, talking to <paramref name="server"/>.</summary>
    public static ScalerHost InCluster(FakeApiServer server, TempFolder serviceAccount, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Scaling:Kubernetes:ServiceAccountPath"] = serviceAccount.Path;
        return Create(settings, new Dictionary<string, string?>
        {
            ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_PORT"] = server.Port.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>A service-account folder with a token, the test CA as ca.crt, and a namespace.</summary>
    public static TempFolder ServiceAccountFolder(string token = "token-a", string ns = "team-a", string? caPem = null)
    {
        var folder = new TempFolder();
        folder.Write("token", token);
        folder.Write("ca.crt", caPem ?? TestPki.Shared.CaPem);
        folder.Write("namespace", ns + "\n");
        return folder;
    }

    public ValueTask DisposeAsync() => provider.DisposeAsync();
}
