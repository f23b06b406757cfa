using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling.Kubernetes;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ClusterOptions"/> from the <c>Scaling</c> section and, when a real cluster is found,
    /// registers <see cref="KubernetesScaler"/> as the <see cref="IClusterScaler"/> typed HttpClient.
    /// </summary>
    /// <returns>
    /// True when the Kubernetes scaler was registered; false when the caller should register the simulated
    /// cluster (Mode Simulated, or Mode Auto with no service account and no kubeconfig).
    /// </returns>
    /// <exception cref="KubernetesConfigurationException">
    /// Mode is Kubernetes and no credentials were found, or the credentials found cannot be used.
    /// </exception>
    /// <exception cref="OptionsValidationException">The <c>Scaling</c> settings are invalid.</exception>
    public static bool AddKubernetesScaler(this IServiceCollection services, IConfiguration configuration) =>
        services.AddKubernetesScaler(configuration, Environment.GetEnvironmentVariable);

    internal static bool AddKubernetesScaler(
        this IServiceCollection services, IConfiguration configuration, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var section = configuration.GetSection(ClusterOptions.SectionName);
        services.AddOptions<ClusterOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());

        // Which IClusterScaler to register is decided now, so the settings are read and checked now too.
        var options = section.Get<ClusterOptions>() ?? new ClusterOptions();
        var validation = new ClusterOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ClusterOptions), validation.Failures);
        }

        var connection = SelectConnection(options, environment);
        if (connection is null)
        {
            return false;
        }

        services.AddSingleton(connection);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<IClusterScaler, KubernetesScaler>(client =>
            {
                client.BaseAddress = connection.Server;
                // Each attempt has its own timeout (Scaling:Kubernetes:RequestTimeout); this one would span the retries.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(provider => connection.CreateHandler(provider.GetRequiredService<ILogger<KubernetesScaler>>()))
            // KubernetesScaler logs every attempt itself, with the outcome.
            .RemoveAllLoggers();
        return true;
    }

    /// <summary>
    /// The real cluster to use, or null for the simulated one. An explicit KubeconfigPath wins, then the
    /// in-cluster service account, then the KUBECONFIG variable.
    /// </summary>
    internal static KubernetesConnection? SelectConnection(ClusterOptions options, Func<string, string?> environment)
    {
        if (options.Mode == ClusterMode.Simulated)
        {
            return null;
        }

        var settings = options.Kubernetes;
        // appsettings.json writes "no namespace" as null or "", and the binder can hand over either.
        var configuredNamespace = string.IsNullOrEmpty(options.Namespace) ? null : options.Namespace;
        if (!string.IsNullOrWhiteSpace(settings.KubeconfigPath))
        {
            return Kubeconfig.Load(Kubeconfig.FindPath(settings.KubeconfigPath, environment)!, settings.KubeconfigContext, configuredNamespace);
        }

        if (ServiceAccountCredentials.ArePresent(settings.ServiceAccountPath, environment))
        {
            return ServiceAccountCredentials.Load(settings.ServiceAccountPath, configuredNamespace, environment);
        }

        if (Kubeconfig.FindPath(null, environment) is { } kubeconfigPath)
        {
            return Kubeconfig.Load(kubeconfigPath, settings.KubeconfigContext, configuredNamespace);
        }

        if (options.Mode == ClusterMode.Kubernetes)
        {
            throw new KubernetesConfigurationException(
                $"{ClusterOptions.SectionName}:Mode is Kubernetes, but no cluster credentials were found: "
                + $"no service account ({ServiceAccountCredentials.HostVariable}/{ServiceAccountCredentials.PortVariable} unset "
                + $"or no token in {settings.ServiceAccountPath}) and no kubeconfig "
                + $"({ClusterOptions.SectionName}:Kubernetes:KubeconfigPath unset, {Kubeconfig.EnvironmentVariable} unset or naming no existing file). "
                + $"Set {ClusterOptions.SectionName}:Mode to Simulated to use the simulated cluster.");
        }

        return null;
    }
}
