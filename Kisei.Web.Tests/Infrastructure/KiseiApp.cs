using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>
/// Kisei in-process on a test database: the real app, with real Hangfire and PostgreSQL. It runs as a
/// production-like "Testing" environment (Secure cookies, so clients use https://localhost) with
/// development sign-in switched on, the simulated cluster, and no Whisper model.
/// </summary>
public sealed class KiseiApp(string connectionString, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>The settings every test app gets; <c>settings</c> adds to and overrides them.</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>
    {
        ["Auth:DevelopmentSignIn"] = "true",
        ["Scaling:Mode"] = "Simulated",
        ["Speech:ModelDirectory"] = Path.Combine(Path.GetTempPath(), "kisei-tests-no-models"),
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Kisei"] = "Information",
        // Hangfire.PostgreSql's LISTEN/NOTIFY wake-up is process-wide; with several test hosts' storages in one
        // process, hosts missed their own jobs. Tests poll the queue every second instead.
        ["Jobs:LongPolling"] = "false",
        ["Jobs:QueuePollIntervalSeconds"] = "1",
    };

    /// <summary>Swaps an I/O seam before the app starts, when a test must.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        // Only Development reads the build's static web assets manifest on its own. Without it the
        // precompressed (.gz) variants MapStaticAssets offers a browser are missing from the content
        // root, and a request with Accept-Encoding: gzip gets an empty 200.
        builder.UseStaticWebAssets();
        // UseSetting, unlike ConfigureAppConfiguration, is visible while Program.cs still runs, which the database setup needs.
        builder.UseSetting("ConnectionStrings:Postgres", connectionString);
        foreach (var (key, value) in Defaults.Concat(settings ?? new Dictionary<string, string?>()))
        {
            builder.UseSetting(key, value);
        }

        if (TestServices is not null)
        {
            builder.ConfigureTestServices(TestServices);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new TestOutputLoggerProvider()));
    }

    /// <summary>A client that keeps cookies, does not follow redirects, and speaks HTTPS so Secure cookies flow.</summary>
    public HttpClient CreateBrowserClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = true });
}

/// <summary>Copies the app's log to the current test's output, so a failing test shows what the app said.</summary>
public sealed class TestOutputLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(categoryName);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            try
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
            }
            catch (InvalidOperationException)
            {
                // Between tests there is no output to write to.
            }
        }
    }
}
