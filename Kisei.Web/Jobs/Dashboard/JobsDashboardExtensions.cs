using System.Text.Json;
using Hangfire;
using Hangfire.Dashboard;
using Kisei.Web.Billing;
using Kisei.Web.Pages;
using Microsoft.Extensions.Localization;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>
/// The Hangfire dashboard as the operators' console (docs/design.md §3): the app's admin policy, a link back to
/// the game, job names that say what each job does, and what Hangfire lacks — pause and resume, the
/// decisions behind money and machines, the budget alarm's banner, and every time in the billing time zone.
/// </summary>
public static class JobsDashboardExtensions
{
    /// <summary>Hangfire's routes and menu are process-wide; add Kisei's once, however many apps a process hosts.</summary>
    private static readonly Lazy<bool> Extended = new(Extend);

    public static IServiceCollection AddJobsDashboard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _ = Extended.Value;
        services.AddSingleton(new DashboardOptions
        {
            DashboardTitle = "Kisei",
            AppPath = "/",
            Authorization = [],
            AsyncAuthorization = [new AdminDashboardAuthorization()],
            DisplayNameFunc = JobNames.Describe,
            // Hangfire checks ASP.NET Core's antiforgery token on every POST (its commands) unless told not to.
            IgnoreAntiforgeryToken = false,
        });
        return services;
    }

    private static bool Extend()
    {
        DashboardRoutes.Routes.AddRazorPage(PausesPage.Path, _ => new PausesPage());
        DashboardRoutes.Routes.AddCommand($"{PausesPage.Path}/pause/(?<id>[A-Za-z0-9_.:-]+)", context =>
        {
            Pauses(context).Pause(context.UriMatch.Groups["id"].Value);
            return true;
        });
        DashboardRoutes.Routes.AddCommand($"{PausesPage.Path}/resume/(?<id>[A-Za-z0-9_.:-]+)", context =>
        {
            Pauses(context).Resume(context.UriMatch.Groups["id"].Value);
            return true;
        });
        DashboardRoutes.Routes.Add("/kisei/budget", new BudgetDispatcher());
        DashboardRoutes.AddJavaScript(typeof(JobsDashboardExtensions).Assembly, "Kisei.Web.Jobs.Dashboard.budget-banner.js");
        // Before Hangfire starts its page (on DOM ready): its relative times take the Japanese locale this adds.
        DashboardRoutes.AddJavaScript(typeof(JobsDashboardExtensions).Assembly, "Kisei.Web.Jobs.Dashboard.japanese.js");
        DashboardRoutes.AddJavaScript(typeof(JobsDashboardExtensions).Assembly, "Kisei.Web.Jobs.Dashboard.accessibility.js");
        DashboardRoutes.Routes.Add("/kisei/time-zone", new TimeZoneDispatcher());
        DashboardRoutes.AddJavaScript(typeof(JobsDashboardExtensions).Assembly, "Kisei.Web.Jobs.Dashboard.time-zone.js");
        DashboardRoutes.AddStylesheet(typeof(JobsDashboardExtensions).Assembly, "Kisei.Web.Jobs.Dashboard.accessibility.css");

        NavigationMenu.Items.Add(page => new MenuItem(Text(page)["一時停止と再開"], page.Url.To(PausesPage.Path))
        {
            Active = page.RequestPath.StartsWith(PausesPage.Path, StringComparison.Ordinal),
        });
        NavigationMenu.Items.Add(page => new MenuItem(Text(page)["スケーリングの判断"], "/jobs/scaling"));
        NavigationMenu.Items.Add(page => new MenuItem(Text(page)["費用分担の判断"], "/jobs/costs"));
        return true;
    }

    private static JobPauses Pauses(DashboardContext context) => context.GetHttpContext().RequestServices.GetRequiredService<JobPauses>();

    private static IStringLocalizer Text(RazorPage page) =>
        page.Context.GetHttpContext().RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();

    /// <summary>The budget alarm's state as JSON, which the banner script on every dashboard page reads.</summary>
    private sealed class BudgetDispatcher : IDashboardDispatcher
    {
        public async Task Dispatch(DashboardContext context)
        {
            var http = context.GetHttpContext();
            await using var scope = http.RequestServices.CreateAsyncScope();
            var status = await scope.ServiceProvider.GetRequiredService<BudgetAlarm>().StatusAsync(http.RequestAborted);
            var text = http.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                alarm = status?.Alarm == true,
                message = status is { Alarm: true }
                    ? text["予算アラーム：今月の請求見込み {0} 円が予算 {1} 円のしきい値 {2} 円に達しました。", status.ProjectedYen, status.BudgetYen, status.ThresholdYen].Value
                    : null,
            }));
        }
    }

    /// <summary>The billing time zone's name as JSON, which the time-zone script on every dashboard page reads.</summary>
    private sealed class TimeZoneDispatcher : IDashboardDispatcher
    {
        public async Task Dispatch(DashboardContext context)
        {
            var http = context.GetHttpContext();
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { zone = http.RequestServices.GetRequiredService<DisplayTime>().ZoneName }));
        }
    }
}
