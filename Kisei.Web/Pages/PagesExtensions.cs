using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;
using Kisei.Web.Accounts;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Localization;

namespace Kisei.Web.Pages;

/// <summary>Razor Pages, Japanese-first localization, security headers, proxies and health endpoints.</summary>
public static class PagesExtensions
{
    private static readonly CultureInfo[] Cultures = [new("ja"), new("en")];

    /// <summary>How long one health check may take before it counts as unhealthy.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    public static WebApplicationBuilder AddPages(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddLocalization(options => options.ResourcesPath = "Resources");
        services.AddRazorPages().AddViewLocalization();
        services.AddSingleton<DisplayTime>();
        services.AddSingleton<MoneyHeaderReadings>();
        // A probe that hangs tells an orchestrator nothing: a check that has not answered within
        // the probe's own budget (a database that is down, a pool waiting for it) counts as unhealthy.
        services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan))
                registration.Timeout = HealthCheckTimeout;
        });
        services.Configure<RouteOptions>(options => options.LowercaseUrls = true);
        // Write Japanese as text, not as numeric character references.
        services.Configure<WebEncoderOptions>(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "kisei.antiforgery";
            options.Cookie.SecurePolicy = SecureCookies.PolicyFor(builder.Environment, builder.Configuration);
            options.Cookie.SameSite = SameSiteMode.Lax;
        });
        services.Configure<RequestLocalizationOptions>(options =>
        {
            options.DefaultRequestCulture = new RequestCulture("ja");
            options.SupportedCultures = Cultures;
            options.SupportedUICultures = Cultures;
            options.FallBackToParentCultures = true;
            options.FallBackToParentUICultures = true;
            // Accept-Language only: no query string or cookie switches to keep caches honest.
            options.RequestCultureProviders = [new AcceptLanguageHeaderRequestCultureProvider()];
        });
        // A year, as browsers' preload lists expect; only HTTPS responses outside Development carry it.
        services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(365));
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var network in builder.Configuration.GetSection("Kisei:TrustedProxyNetworks").Get<string[]>() ?? [])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>The middleware, in order.</summary>
    public static WebApplication UsePages(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseForwardedHeaders();
        app.UseSecureCookieGuard(app.Environment, app.Configuration);
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error");
            app.UseHsts();
        }

        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.UseRequestLocalization();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    /// <summary>
    /// /healthz (liveness): the process answers, and has not given up on its database (checks tagged
    /// "live"). /readyz: the database, the job storage and this replica's job server answer too (checks
    /// tagged "ready").
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = WriteReadinessAsync });
        return endpoints;
    }

    /// <summary>Each check's status and description (the database, Hangfire's storage and this replica's job server) as JSON.</summary>
    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        });
    }

    /// <summary>
    /// Security headers on every response. The content security policy allows only Kisei's own
    /// scripts and styles (htmx is told not to inject its indicator style), GitHub avatars, and
    /// blob: audio for the recorder's preview.
    /// </summary>
    private static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Permissions-Policy"] = "microphone=(self), camera=(), geolocation=()";
                headers.ContentSecurityPolicy =
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://avatars.githubusercontent.com; " +
                    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; " +
                    "form-action 'self' https://github.com; frame-ancestors 'none'";
                return Task.CompletedTask;
            });
            return next(context);
        });
}
