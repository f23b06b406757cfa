using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>Registers the <c>/jobs</c> dashboard's services.</summary>
public static class JobDashboardExtensions
{
    public static IServiceCollection AddJobDashboard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<JobDashboard>();
        return services;
    }
}
