using System.Diagnostics;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Jobs;

/// <summary>
/// Kisei as a process of its own (the build's Kisei.Web.dll) on a test database, so that a test can
/// kill it with SIGKILL, as a node failure or the OOM killer would: no shutdown code runs.
/// </summary>
public sealed class ChildHost : IDisposable
{
    private readonly Process process;

    private ChildHost(Process process) => this.process = process;

    /// <summary>Starts Kisei with <see cref="KiseiApp.Defaults"/> and <paramref name="settings"/>, serving on a loopback port nobody uses.</summary>
    public static ChildHost Start(TestDatabase database, IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(database);
        var app = Path.Combine(AppContext.BaseDirectory, "Kisei.Web.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(app);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ConnectionStrings__Postgres"] = database.ConnectionString;
        // The app ships without tiered compilation (less memory, slower start); a test host wants the quick start.
        start.Environment["DOTNET_TieredCompilation"] = "1";
        foreach (var (key, value) in KiseiApp.Defaults.Concat(settings))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => Echo(line.Data);
        process.ErrorDataReceived += (_, line) => Echo(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildHost(process);
    }

    /// <summary>SIGKILL: the process ends at once, in the middle of whatever it was doing.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            Kill();
        }

        process.Dispose();
    }

    private static void Echo(string? line)
    {
        if (line is null)
        {
            return;
        }

        try
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"[child] {line}");
        }
        catch (InvalidOperationException)
        {
            // Between tests there is no output to write to.
        }
    }
}
