using Kisei.Web.Jobs;

namespace Kisei.Web.Billing;

/// <summary>Billing periods, standings and the cost shares.</summary>
public static class BillingExtensions
{
    public static WebApplicationBuilder AddBilling(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<BillingOptions>()
            .BindConfiguration(BillingOptions.Section)
            .ValidateDataAnnotations()
            .Validate(options => TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _), "Billing:TimeZone is not a time zone this machine knows.")
            .Validate(options => Every.Cron(options.CostSharesIntervalSeconds) is not null, Every.Refusal("Billing:CostSharesIntervalSeconds"))
            .ValidateOnStart();
        builder.Services.AddSingleton<BillingPeriods>();
        builder.Services.AddScoped<Standings>();
        builder.Services.AddSingleton<StandingsBoard>();
        builder.Services.AddScoped<CostShares>();
        builder.Services.AddScoped<BudgetAlarm>();
        return builder;
    }
}
