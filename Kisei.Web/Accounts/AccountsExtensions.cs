using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AspNet.Security.OAuth.GitHub;
using Kisei.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Accounts;

/// <summary>Sign-in: GitHub OAuth through AspNet.Security.OAuth.GitHub, development sign-in, cookies, admins.</summary>
public static class AccountsExtensions
{
    /// <summary>The OAuth scheme's name, as in <c>/account/signin/GitHub</c>.</summary>
    public const string GitHubScheme = GitHubAuthenticationDefaults.AuthenticationScheme;

    /// <summary>The claim the GitHub handler maps the profile's display name to.</summary>
    private const string GitHubName = "urn:github:name";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddOptions<KiseiOptions>().BindConfiguration(KiseiOptions.Section).ValidateOnStart();
        services.AddOptions<GitHubOptions>().BindConfiguration(GitHubOptions.Section).ValidateOnStart();
        services.AddScoped<PlayerDirectory>();
        services.AddSingleton<PlayerPresence>();
        services.AddSingleton<SignInMethods>();
        services.AddMemoryCache();
        services.AddSingleton<PlayerSessions>();
        services.AddTransient<IClaimsTransformation, AdminClaims>();

        // The key ring lives in the database, so every replica reads what the others issued.
        services.AddOptions<KeyEncryptionOptions>().BindConfiguration(KeyEncryptionOptions.Section);
        ProtectKeys(
            services.AddDataProtection().SetApplicationName("Kisei").PersistKeysToDbContext<KiseiDbContext>(),
            builder.Configuration.GetSection(KeyEncryptionOptions.Section).Get<KeyEncryptionOptions>() ?? new KeyEncryptionOptions());

        var github = builder.Configuration.GetSection(GitHubOptions.Section).Get<GitHubOptions>() ?? new GitHubOptions();
        var authentication = services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "kisei.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SecurePolicy = SecureCookies.PolicyFor(builder.Environment, builder.Configuration);
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.ExpireTimeSpan = TimeSpan.FromDays(30);
                options.SlidingExpiration = true;
                options.LoginPath = "/";
                options.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<PlayerSessions>().ValidateAsync(context);
                options.Events.OnRedirectToLogin = context => ApiAwareRedirect(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => ApiAwareRedirect(context, StatusCodes.Status403Forbidden, alwaysStatus: true);
            });
        if (github.IsConfigured)
        {
            authentication.AddGitHub(GitHubScheme, "GitHub", options => ConfigureGitHub(options, github));
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(PlayerClaims.AdminRole, policy => policy.RequireRole(PlayerClaims.AdminRole));
        return builder;
    }

    /// <summary>Settings that are fine on a developer's machine and unsafe elsewhere get a warning at start.</summary>
    private static void WarnAboutUnsafeSettings(IServiceProvider services)
    {
        if (services.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            return;
        }

        var logger = services.GetRequiredService<ILogger<SignInMethods>>();
        if (services.GetRequiredService<SignInMethods>().DevelopmentOutsideDevelopment)
        {
            logger.LogWarning(
                "Development sign-in is on outside the Development environment (Auth:DevelopmentSignIn=true): anyone can sign in " +
                "under any free name. Its players are never admins here. Switch it off for a public deployment");
        }

        if (string.IsNullOrWhiteSpace(services.GetRequiredService<IOptions<KeyEncryptionOptions>>().Value.CertificatePath))
        {
            logger.LogWarning(
                "The Data Protection keys, which protect the sign-in cookies, are stored unencrypted in the database: set " +
                "{Setting} to a .pfx certificate (a Kubernetes Secret in production) to encrypt them",
                $"{KeyEncryptionOptions.Section}:CertificatePath");
        }
    }

    /// <summary>Encrypts the Data Protection keys at rest with the configured certificate, when there is one.</summary>
    private static void ProtectKeys(IDataProtectionBuilder dataProtection, KeyEncryptionOptions settings)
    {
        if (string.IsNullOrWhiteSpace(settings.CertificatePath))
        {
            return;
        }

        X509Certificate2 Load(string path)
        {
            try
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, settings.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new InvalidOperationException(
                    $"{KeyEncryptionOptions.Section}: cannot load the key encryption certificate {path}: {exception.Message}", exception);
            }
        }

        var current = Load(settings.CertificatePath);
        dataProtection.ProtectKeysWithCertificate(current)
            .UnprotectKeysWithAnyCertificate([current, .. settings.PreviousCertificatePaths.Select(Load)]);
    }

    /// <summary>Keeps <see cref="Player.LastSeenAt"/> fresh for signed-in requests.</summary>
    public static IApplicationBuilder UsePlayerPresence(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.User.TryGetPlayerId() is { } playerId)
            {
                await context.RequestServices.GetRequiredService<PlayerPresence>()
                    .TouchAsync(playerId, context.RequestServices, context.RequestAborted);
            }

            await next(context);
        });

    /// <summary>GET /account/signin/GitHub starts the OAuth dance.</summary>
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        WarnAboutUnsafeSettings(endpoints.ServiceProvider);

        endpoints.MapGet("/account/signin/github", (string? returnUrl, SignInMethods methods) =>
            methods.GitHub
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = ReturnUrls.LocalOrHome(returnUrl) }, [GitHubScheme])
                : Results.NotFound());
        return endpoints;
    }

    private static void ConfigureGitHub(GitHubAuthenticationOptions options, GitHubOptions github)
    {
        options.ClientId = github.ClientId!;
        options.ClientSecret = github.ClientSecret!;
        options.AuthorizationEndpoint = github.AuthorizationEndpoint;
        options.TokenEndpoint = github.TokenEndpoint;
        options.UserInformationEndpoint = github.UserInformationEndpoint;
        options.UserEmailsEndpoint = github.UserEmailsEndpoint;
        options.UsePkce = true;
        options.Scope.Add("read:user");
        options.Scope.Add("user:email");
        options.ClaimActions.MapJsonKey(PlayerClaims.AvatarUrl, "avatar_url");
        options.Events.OnCreatingTicket = CreatePlayerFromGitHubAsync;
    }

    /// <summary>
    /// The handler has read GitHub's profile into claims (and the primary e-mail from <c>/user/emails</c>
    /// when the profile hides it); this turns them into Kisei's player and the cookie's identity.
    /// </summary>
    private static async Task CreatePlayerFromGitHubAsync(OAuthCreatingTicketContext context)
    {
        var github = context.Identity!;
        var profile = new GitHubProfile(
            long.Parse(github.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? throw MissingField("id"), NumberStyles.None, CultureInfo.InvariantCulture),
            github.FindFirst(ClaimTypes.Name)?.Value ?? throw MissingField("login"),
            github.FindFirst(GitHubName)?.Value,
            github.FindFirst(PlayerClaims.AvatarUrl)?.Value,
            github.FindFirst(ClaimTypes.Email)?.Value);
        var directory = context.HttpContext.RequestServices.GetRequiredService<PlayerDirectory>();
        var player = await directory.SignInFromGitHubAsync(profile, context.HttpContext.RequestAborted);

        // The cookie carries Kisei's player id, login and avatar, from the player; GitHub's id,
        // e-mail and display name ride along.
        var identity = PlayerClaims.IdentityFor(player, GitHubScheme);
        identity.AddClaim(new Claim("urn:github:id", profile.Id.ToString(CultureInfo.InvariantCulture)));
        if (profile.Email is { } email)
        {
            identity.AddClaim(new Claim(ClaimTypes.Email, email));
        }

        if (profile.Name is { } name)
        {
            identity.AddClaim(new Claim(GitHubName, name));
        }

        context.Principal = new ClaimsPrincipal(identity);
    }

    private static InvalidOperationException MissingField(string field) =>
        new($"GitHub's user profile has no \"{field}\".");

    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> context, int statusCode, bool alwaysStatus = false)
    {
        if (alwaysStatus || context.Request.Path.StartsWithSegments("/api") || context.Request.Headers.ContainsKey("HX-Request")
            || context.Request.Method != HttpMethods.Get)
        {
            context.Response.StatusCode = statusCode;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Cookies are Secure, HttpOnly and SameSite=Lax (docs/design.md). Only in Development, where
/// <c>dotnet run</c> serves plain http://localhost, or when <c>Kisei:AllowInsecureHttp=true</c>, do
/// they follow the request's scheme. Elsewhere a plain-HTTP page request gets a clear 400 instead of
/// a cookie the browser would drop; behind a TLS proxy, the forwarded scheme counts as HTTPS.
/// </summary>
public static class SecureCookies
{
    /// <summary>The setting that allows plain HTTP outside Development.</summary>
    public const string AllowInsecureHttpKey = "Kisei:AllowInsecureHttp";

    public static bool AllowsInsecureHttp(IHostEnvironment environment, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(configuration);
        return environment.IsDevelopment() || configuration.GetValue<bool>(AllowInsecureHttpKey);
    }

    public static CookieSecurePolicy PolicyFor(IHostEnvironment environment, IConfiguration configuration) =>
        AllowsInsecureHttp(environment, configuration) ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    /// <summary>Refuses plain-HTTP requests, except health probes, where Secure cookies are required.</summary>
    public static IApplicationBuilder UseSecureCookieGuard(this IApplicationBuilder app, IHostEnvironment environment, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (AllowsInsecureHttp(environment, configuration))
        {
            return app;
        }

        return app.Use(async (context, next) =>
        {
            if (context.Request.IsHttps || context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz"))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(
                "Kisei needs HTTPS outside Development: serve it behind a TLS proxy that sends X-Forwarded-Proto " +
                $"(and list the proxy in Kisei:TrustedProxyNetworks), or set {AllowInsecureHttpKey}=true.");
        });
    }
}

/// <summary>The sign-in methods this deployment offers.</summary>
public sealed class SignInMethods(IOptions<AuthOptions> auth, IOptions<GitHubOptions> github, IHostEnvironment environment)
{
    /// <summary>"Sign in as NAME": the Development environment, or <c>Auth:DevelopmentSignIn=true</c>.</summary>
    public bool Development { get; } = auth.Value.DevelopmentSignIn ?? environment.IsDevelopment();

    /// <summary>GitHub OAuth, when its keys are configured.</summary>
    public bool GitHub { get; } = github.Value.IsConfigured;

    /// <summary>Development sign-in switched on where it is not the default: pages show a banner and the log warns.</summary>
    public bool DevelopmentOutsideDevelopment { get; } = (auth.Value.DevelopmentSignIn ?? false) && !environment.IsDevelopment();
}
