using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kisei.Web.Data.Postgres;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>
/// Kisei as a newcomer runs it: the built <c>Kisei.Web.dll</c> in a child process, serving plain
/// HTTP on a free loopback port, in a production-like "Testing" environment with development
/// sign-in and the simulated cluster. Its stdout and stderr are collected, and copied to the
/// test's output when it ends. Disposing kills it if it still runs.
/// </summary>
public sealed class KiseiProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();

    private KiseiProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    /// <summary>Where it serves, such as http://127.0.0.1:40123/.</summary>
    public Uri Address { get; }

    public int ProcessId => process.Id;

    public string StandardOutput => Snapshot(stdout);

    public string StandardError => Snapshot(stderr);

    /// <summary>Starts Kisei with <paramref name="contentRoot"/> as its content root and the settings as command-line arguments.</summary>
    public static KiseiProcess Start(string contentRoot, IReadOnlyDictionary<string, string> settings, int? port = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort()}/");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = contentRoot,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Kisei.Web.dll"));
        var arguments = new Dictionary<string, string>
        {
            ["contentRoot"] = contentRoot,
            ["urls"] = address.ToString().TrimEnd('/'),
            ["Auth:DevelopmentSignIn"] = "true",
            ["Kisei:AllowInsecureHttp"] = "true",
            ["Scaling:Mode"] = "Simulated",
            ["Speech:ModelDirectory"] = Path.Combine(Path.GetTempPath(), "kisei-tests-no-models"),
        };
        foreach (var (key, value) in settings)
            arguments[key] = value;
        foreach (var (key, value) in arguments)
            startInfo.ArgumentList.Add($"--{key}={value}");
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        startInfo.Environment.Remove("DOTNET_ENVIRONMENT");
        startInfo.Environment.Remove("ConnectionStrings__Postgres");

        var process = new Process { StartInfo = startInfo };
        var kisei = new KiseiProcess(process, address);
        process.OutputDataReceived += (_, line) => Append(kisei.stdout, line.Data);
        process.ErrorDataReceived += (_, line) => Append(kisei.stderr, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return kisei;
    }

    /// <summary>A client for it that keeps cookies and does not follow redirects.</summary>
    public HttpClient CreateClient(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="status"/>; fails if the process ends first.</summary>
    public async Task WaitForStatusAsync(HttpClient client, string path, HttpStatusCode status, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        await Wait.UntilAsync(
            () =>
            {
                if (process.HasExited)
                    Assert.Fail($"Kisei exited ({process.ExitCode}) while waiting for {path} to answer {(int)status}: {StandardError}");
                try
                {
                    using var response = client.GetAsync(path).GetAwaiter().GetResult();
                    return response.StatusCode == status;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            $"{path} answers {(int)status}",
            timeout);
    }

    /// <summary>Asks it to stop, as an orchestrator does.</summary>
    public void Terminate() => Posix.TrySignal(process.Id, Posix.SignalTerminate);

    /// <summary>Waits for it to end and returns its exit code; fails the test at the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"Kisei did not exit within {timeout.TotalSeconds:0} s.");
        }
        // WaitForExitAsync also waits for the end of both outputs.
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"Kisei's stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}Kisei's stderr:{Environment.NewLine}{StandardError}");
        process.Dispose();
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
            return output.ToString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
