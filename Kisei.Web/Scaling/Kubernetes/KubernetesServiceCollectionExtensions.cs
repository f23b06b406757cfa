using k8s;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling.Kubernetes;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ClusterOptions"/> from the <c>Scaling</c> section and, when a real cluster is found,
    /// registers KubernetesClient and <see cref="KubernetesScaler"/> as the <see cref="IClusterScaler"/>.
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
        var client = connection.CreateClient();
        services.AddSingleton<IKubernetes>(_ => client);
        services.AddSingleton<IClusterScaler, KubernetesScaler>();
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
            return File.Exists(settings.KubeconfigPath)
                ? KubernetesConnection.FromKubeconfig(settings.KubeconfigPath, settings.KubeconfigContext, configuredNamespace)
                : throw new KubernetesConfigurationException(
                    $"{ClusterOptions.SectionName}:Kubernetes:KubeconfigPath names {settings.KubeconfigPath}, which does not exist.");
        }

        if (KubernetesConnection.IsInCluster(settings.ServiceAccountPath, environment))
        {
            return KubernetesConnection.InCluster(settings.ServiceAccountPath, configuredNamespace, environment);
        }

        // KUBECONFIG is a path list, as kubectl reads it; the first file that exists is used.
        var kubeconfig = environment(KubernetesConnection.KubeconfigVariable)?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(File.Exists);
        if (kubeconfig is not null)
        {
            return KubernetesConnection.FromKubeconfig(kubeconfig, settings.KubeconfigContext, configuredNamespace);
        }

        if (options.Mode == ClusterMode.Kubernetes)
        {
            throw new KubernetesConfigurationException(
                $"{ClusterOptions.SectionName}:Mode is Kubernetes, but no cluster credentials were found: "
                + $"no service account ({KubernetesConnection.HostVariable}/{KubernetesConnection.PortVariable} unset "
                + $"or no token in {settings.ServiceAccountPath}) and no kubeconfig "
                + $"({ClusterOptions.SectionName}:Kubernetes:KubeconfigPath unset, {KubernetesConnection.KubeconfigVariable} unset or naming no existing file). "
                + $"Set {ClusterOptions.SectionName}:Mode to Simulated to use the simulated cluster.");
        }

        return null;
    }
}
