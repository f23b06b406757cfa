using System.Text;
using Kisei.Web.Accounts;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Scaling;
using Kisei.Web.Scaling.Kubernetes;
using Kisei.Web.Speech;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kisei.Web.Hosting;

/// <summary>
/// What this process runs on, said once on the console when it starts serving: the data, the
/// recognizer, the cluster, the sign-in and the address to open. It answers a newcomer's first
/// questions without a visit to /status.
/// </summary>
public static class StartupSummary
{
    /// <summary>Logs the summary when the server has started and knows its addresses.</summary>
    public static WebApplication LogStartupSummary(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kisei");
            logger.LogInformation("{Summary}", Describe(app.Services));
        });
        return app;
    }

    /// <summary>The summary's lines, for the console.</summary>
    public static string Describe(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var text = new StringBuilder();
        text.AppendLine("Kisei is running.");
        text.Append("  Open:      ").AppendLine(Addresses(services));
        text.Append("  Data:      ").AppendLine(Data(services));
        text.Append("  Scoring:   ").AppendLine(Scoring(services));
        text.Append("  Cluster:   ").AppendLine(Cluster(services));
        text.Append("  Sign-in:   ").Append(SignIn(services));
        return text.ToString();
    }

    private static string Addresses(IServiceProvider services)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.Count > 0 ? string.Join(", ", addresses.Select(ForBrowser)) : "(no HTTP address: the server is not listening)";
    }

    // A wildcard address is where the server listens, not where a browser goes.
    internal static string ForBrowser(string address)
    {
        foreach (var wildcard in new[] { "://0.0.0.0", "://[::]", "://+", "://*" })
        {
            if (address.Contains(wildcard, StringComparison.Ordinal))
                return address.Replace(wildcard, "://localhost", StringComparison.Ordinal);
        }
        return address;
    }

    private static string Data(IServiceProvider services)
    {
        if (services.GetService<PrivatePostgres>() is { } server)
            return $"Kisei's private PostgreSQL {server.ServerVersion}, data in {server.DataDirectory} (set ConnectionStrings:Postgres to use your own server)";

        var configured = services.GetRequiredService<IConfiguration>().GetConnectionString("Postgres");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(configured);
            return $"PostgreSQL at {connection.Host}{(connection.Port != NpgsqlConnection.DefaultPort ? ":" + connection.Port : "")}, database {connection.Database}";
        }
        catch (ArgumentException)
        {
            return "the PostgreSQL of ConnectionStrings:Postgres";
        }
    }

    private static string Scoring(IServiceProvider services)
    {
        var model = services.GetRequiredService<RecognizerChoice>().ModelPath;
        if (model is not null)
            return $"Whisper, model {model}";
        var download = services.GetRequiredService<IOptions<SpeechOptions>>().Value;
        return download.DownloadOnStart && download.Model is not null
            ? $"the syllable estimator while the Whisper model '{download.Model}' downloads (progress on /status)"
            : "the syllable estimator (no Whisper model; get one with 'dotnet run --project Kisei.Web -- model pull base')";
    }

    private static string Cluster(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        if (services.GetRequiredService<IClusterScaler>().IsSimulated)
            return "simulated in the database (no Kubernetes configured; see Scaling:Mode)";
        var scope = options.Namespace is null ? "its service account's namespace" : $"namespace {options.Namespace}";
        return $"Kubernetes, Deployment {options.Deployment} in {scope}";
    }

    private static string SignIn(IServiceProvider services)
    {
        var methods = services.GetRequiredService<SignInMethods>();
        var offered = new List<string>();
        if (methods.GitHub)
            offered.Add("GitHub");
        if (methods.Development)
            offered.Add("development sign-in (any name, no password)");
        return offered.Count > 0 ? string.Join(" and ", offered) : "none (set Authentication:GitHub:ClientId and ClientSecret)";
    }
}
