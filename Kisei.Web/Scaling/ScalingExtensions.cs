using Kisei.Web.Billing;
using Kisei.Web.Jobs;
using Kisei.Web.Scaling.Kubernetes;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling;

/// <summary>The replica policy, the cluster (Kubernetes or simulated) and the scaling run.</summary>
public static class ScalingExtensions
{
    public static WebApplicationBuilder AddScaling(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ScalingOptions>()
            .BindConfiguration(ScalingOptions.Section)
            .ValidateDataAnnotations()
            .Validate(options => Every.Cron(options.IntervalSeconds) is not null, Every.Refusal("Scaling:IntervalSeconds"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScalingOptions>, ScalingOptionsValidator>();
        services.AddSingleton(provider =>
        {
            var scaling = provider.GetRequiredService<IOptions<ScalingOptions>>().Value;
            var billing = provider.GetRequiredService<IOptions<BillingOptions>>().Value;
            return new ReplicaPolicy(new ReplicaPolicySettings(
                scaling.MinReplicas,
                scaling.MaxReplicas,
                scaling.PointsPerReplica,
                scaling.StabilizationWindow,
                billing.CostPerReplicaYen,
                billing.MonthlyBudgetYen));
        });

        // A real cluster when one is configured; otherwise, and only then, the simulated one (docs/design.md §1.4).
        if (!services.AddKubernetesScaler(builder.Configuration))
        {
            services.AddSingleton<IClusterScaler, SimulatedCluster>();
        }

        services.AddScoped<Autoscaler>();
        return builder;
    }
}
