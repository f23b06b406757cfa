using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Tests.Infrastructure;
using Npgsql;

namespace Kisei.Web.Tests.Data.Postgres;

/// <summary>
/// Starts real servers from the npm package, each in its own temporary folder. The tests run as
/// whoever runs the suite; as root (here and in CI) the server runs as <c>nobody</c>.
/// </summary>
public sealed class PrivatePostgresTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task First_start_initialises_the_data_folder_and_serves_queries()
    {
        await using var folder = TemporaryFolder.Create("pg-first");
        var options = NewOptions();
        // pg_ctl hands paths to a shell, so a space must survive the quoting.
        options.DataDirectory = "data with spaces/pg";
        var logger = new RecordingLogger();
        var versionFile = folder.Combine("data with spaces", "pg", "PG_VERSION");
        Assert.False(File.Exists(versionFile));

        await using var server = await PrivatePostgres.StartAsync(options, folder.Path, logger, Cancel);

        Assert.True(server.Initialized);
        Assert.Equal(server.ServerVersion.Split('.')[0], File.ReadAllText(versionFile).Trim());
        Assert.Contains(logger.Messages, message => message.Contains("Initialising a new PostgreSQL data folder", StringComparison.Ordinal));
        var row = await QueryRowAsync(server.ConnectionString,
            "SELECT current_database(), current_setting('application_name'), pg_encoding_to_char(encoding), 6 * 7 " +
            "FROM pg_database WHERE datname = current_database()");
        Assert.Equal(new object[] { "kisei", "Kisei", "UTF8", 42 }, row);
    }

    [Fact]
    public async Task A_second_start_reuses_the_data_without_running_initdb()
    {
        await using var folder = TemporaryFolder.Create("pg-reuse");
        var options = NewOptions();
        await using (var first = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel))
            await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the first run')");

        var logger = new RecordingLogger();
        await using var second = await PrivatePostgres.StartAsync(options, folder.Path, logger, Cancel);

        Assert.False(second.Initialized);
        Assert.DoesNotContain(logger.Messages, message => message.Contains("Initialising", StringComparison.Ordinal));
        Assert.Equal(new object[] { "from the first run" }, await QueryRowAsync(second.ConnectionString, "SELECT note FROM kept"));
    }

    [Fact]
    public async Task A_start_after_the_postmaster_was_killed_recovers_the_data_even_with_a_child_stuck()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Finds the postmaster's children in /proc, which only Linux has.");
        await using var folder = TemporaryFolder.Create("pg-kill9");
        var options = NewOptions();
        var first = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel);
        await ExecuteAsync(first.ConnectionString, "CREATE TABLE survivors (id int); INSERT INTO survivors VALUES (42)");
        var killedPid = first.ProcessId;
        // A frozen child cannot notice its postmaster's death, and its hold on shared memory
        // would make PostgreSQL refuse to start.
        var stuckChild = ChildrenOf(killedPid).First();
        Posix.TrySignal(stuckChild, Posix.SignalStopOnLinux);

        // A crash: the app and its postmaster die at once, leaving postmaster.pid and orphaned children.
        first.ReleaseWithoutStopping();
        using (var postmaster = Process.GetProcessById(killedPid))
            postmaster.Kill();
        await Wait.UntilAsync(() => !Posix.ProcessExists(killedPid), $"the killed postmaster {killedPid} is gone");
        Assert.Equal(killedPid, ServerProcesses.ReadPidFile(folder.Combine("pg")));
        Assert.True(Posix.ProcessExists(stuckChild));

        await using var second = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel);

        Assert.False(second.Initialized);
        Assert.NotEqual(killedPid, second.ProcessId);
        Assert.False(Posix.ProcessExists(stuckChild), "The stuck child of the dead postmaster was killed.");
        Assert.Equal(new object[] { 42 }, await QueryRowAsync(second.ConnectionString, "SELECT id FROM survivors"));
    }

    [Fact]
    public async Task The_server_never_runs_as_root_and_owns_its_data()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Reads process owners from /proc, which only Linux has.");
        await using var folder = TemporaryFolder.Create("pg-owner");
        await using var server = await PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel);

        var serverUid = EffectiveUid(server.ProcessId);
        var ownUid = EffectiveUid(Environment.ProcessId);
        TestContext.Current.TestOutputHelper?.WriteLine($"Test process uid {ownUid}, postmaster uid {serverUid}.");
        if (ownUid == 0)
            Assert.Equal(Posix.FindAccount("nobody")!.Value.Uid, serverUid);
        else
            Assert.Equal(ownUid, serverUid);
        Assert.NotEqual(0u, serverUid);
        Assert.Equal(serverUid, OwnerUid(server.DataDirectory));
        Assert.Equal(serverUid, OwnerUid(Path.Combine(server.DataDirectory, "PG_VERSION")));
    }

    [Fact]
    public async Task A_data_folder_handed_back_to_root_is_given_to_the_server_account_again()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "Only root can make a folder that the server's account does not own.");
        await using var folder = TemporaryFolder.Create("pg-chown");
        var options = NewOptions();
        await (await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel)).StopAsync(Cancel);
        Run("chown", "-R", "0:0", folder.Combine("pg"));
        Assert.Equal(0u, OwnerUid(folder.Combine("pg", "PG_VERSION")));

        await using var server = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel);

        var serverUid = EffectiveUid(server.ProcessId);
        Assert.NotEqual(0u, serverUid);
        Assert.Equal(serverUid, OwnerUid(folder.Combine("pg", "PG_VERSION")));
        Assert.Equal(serverUid, OwnerUid(folder.Combine("pg", "global", "pg_control")));
        Assert.Equal(new object[] { 1 }, await QueryRowAsync(server.ConnectionString, "SELECT 1"));
    }

    // PostgreSQL itself takes a pid it may not signal for a stale one, so the process that
    // tells whether Kisei cleans up must belong to the server's own account.
    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task Binaries_the_server_account_cannot_reach_are_copied_where_it_can_once_per_version()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess && OperatingSystem.IsLinux(), "Only root runs the server as another account.");
        await using var folder = TemporaryFolder.Create("pg-blocked");
        var installed = PostgresBinaryLocator.Locate(null, [AppContext.BaseDirectory]);
        var closed = folder.Combine("closed");
        Directory.CreateDirectory(closed);
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateSymbolicLink(Path.Combine(closed, "native"), Path.GetDirectoryName(installed.BinDirectory)!);
        var options = NewOptions();
        options.PostgresBinDirectory = Path.Combine(closed, "native", "bin");
        options.FallbackDirectory = folder.Combine("fallback");
        var logger = new RecordingLogger();

        await (await PrivatePostgres.StartAsync(options, folder.Path, logger, Cancel)).StopAsync(Cancel);
        var again = new RecordingLogger();
        await using var server = await PrivatePostgres.StartAsync(options, folder.Path, again, Cancel);

        var copy = Assert.Single(Directory.GetDirectories(folder.Combine("fallback", "bin")));
        Assert.Equal(Path.Combine(copy, "bin"), server.Binaries.BinDirectory);
        Assert.Equal(0u, OwnerUid(server.Binaries.Postgres));
        Assert.Contains(logger.Messages, message => message.Contains($"{closed} (mode 700, owner uid 0) does not let nobody", StringComparison.Ordinal));
        Assert.DoesNotContain(again.Messages, message => message.Contains("Copied", StringComparison.Ordinal));
        Assert.Equal(folder.Combine("pg"), server.DataDirectory);
        Assert.Equal(new object[] { 1 }, await QueryRowAsync(server.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task As_root_an_unknown_server_account_is_a_clear_error()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "Only root runs the server as another account.");
        await using var folder = TemporaryFolder.Create("pg-account");
        var options = NewOptions();
        options.ServerUser = "kisei-no-such-user";

        var refusal = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(options, folder.Path, null, Cancel));

        Assert.Contains("'kisei-no-such-user', but this system has no such account", refusal.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.Combine("pg")));
    }

    [Theory]
    [InlineData("a process of the server's account")]
    [InlineData("the test process itself")]
    public async Task A_stale_pid_file_naming_a_live_process_that_is_not_postgres_does_not_block_a_start(string pidOwner)
    {
        await using var folder = TemporaryFolder.Create("pg-stale");
        var options = NewOptions();
        var pidFile = folder.Combine("pg", ServerProcesses.PidFileName);
        string pidFileText;
        await using (var first = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel))
            pidFileText = File.ReadAllText(pidFile);
        Assert.False(File.Exists(pidFile));

        using var child = pidOwner.StartsWith("a process", StringComparison.Ordinal) ? StartIdleProcessAsServerAccount() : null;
        var livePid = child?.Id ?? Environment.ProcessId;
        // The file a crash leaves, except that its pid now belongs to an unrelated live process.
        File.WriteAllText(pidFile, livePid.ToString(CultureInfo.InvariantCulture) + pidFileText[pidFileText.IndexOf('\n', StringComparison.Ordinal)..]);
        try
        {
            var logger = new RecordingLogger();
            await using var server = await PrivatePostgres.StartAsync(options, folder.Path, logger, Cancel);

            Assert.NotEqual(livePid, server.ProcessId);
            Assert.Equal(new object[] { 1 }, await QueryRowAsync(server.ConnectionString, "SELECT 1"));
            Assert.Contains(logger.Messages, message => message.Contains("stale", StringComparison.Ordinal));
            Assert.True(child is null || !child.HasExited, "The unrelated process was left alone.");
        }
        finally
        {
            if (child is not null)
            {
                child.Kill();
                await child.WaitForExitAsync(Cancel);
            }
        }
    }

    [Fact]
    public async Task A_server_left_running_by_a_killed_app_is_stopped_and_replaced()
    {
        await using var folder = TemporaryFolder.Create("pg-orphan");
        var options = NewOptions();
        var abandoned = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel);
        var orphanPid = abandoned.ProcessId;
        abandoned.ReleaseWithoutStopping();
        Assert.True(Posix.ProcessExists(orphanPid));

        var logger = new RecordingLogger();
        await using var server = await PrivatePostgres.StartAsync(options, folder.Path, logger, Cancel);

        Assert.False(Posix.ProcessExists(orphanPid), "The orphaned postmaster was stopped.");
        Assert.NotEqual(orphanPid, server.ProcessId);
        Assert.Contains(logger.Messages, message => message.Contains("left running", StringComparison.Ordinal));
        Assert.Equal(new object[] { 1 }, await QueryRowAsync(server.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_folder_is_refused_while_the_first_runs()
    {
        await using var folder = TemporaryFolder.Create("pg-twice");
        var options = NewOptions();
        await using var first = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel);

        var refusal = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(options, folder.Path, null, Cancel));

        Assert.Contains("in use by another Kisei process", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(new object[] { 1 }, await QueryRowAsync(first.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Stopping_leaves_no_server_process_and_no_socket_folder()
    {
        await using var folder = TemporaryFolder.Create("pg-stop");
        var server = await PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel);
        var pid = server.ProcessId;
        var socketDirectory = server.SocketDirectory;
        Assert.True(Posix.ProcessExists(pid));
        Assert.NotEmpty(ServerProcesses.Find(server.DataDirectory));

        await server.StopAsync(Cancel);

        Assert.False(Posix.ProcessExists(pid));
        Assert.Empty(ServerProcesses.Find(server.DataDirectory));
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, ServerProcesses.PidFileName)));
        if (socketDirectory is not null)
            Assert.False(Directory.Exists(socketDirectory));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task The_server_listens_only_on_a_socket_in_a_private_folder()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Windows listens on loopback with a password instead.");
        await using var folder = TemporaryFolder.Create("pg-socket");
        await using var server = await PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel);

        Assert.Equal(new object[] { "" }, await QueryRowAsync(server.ConnectionString, "SHOW listen_addresses"));
        var socketDirectory = server.SocketDirectory!;
        Assert.Equal(socketDirectory, new NpgsqlConnectionStringBuilder(server.ConnectionString).Host);
        Assert.True(File.Exists(Path.Combine(socketDirectory, ".s.PGSQL.5432")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(socketDirectory));
        if (OperatingSystem.IsLinux())
            Assert.Equal(EffectiveUid(server.ProcessId), OwnerUid(socketDirectory));
        Assert.True(socketDirectory.Length + "/.s.PGSQL.5432".Length < 100, $"{socketDirectory} leaves room for the socket's name.");
    }

    [Fact]
    public async Task A_failed_start_reports_the_tail_of_the_server_log_and_leaves_nothing_running()
    {
        await using var folder = TemporaryFolder.Create("pg-fail");
        var options = NewOptions();
        options.ServerSettings["shared_buffers"] = "plenty";

        var failure = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(options, folder.Path, null, Cancel));

        Assert.Contains("Last lines of", failure.Message, StringComparison.Ordinal);
        Assert.Contains("\"shared_buffers\"", failure.Message, StringComparison.Ordinal);
        Assert.Empty(ServerProcesses.Find(folder.Combine("pg")));
        using var released = DataDirectoryLock.TryAcquire(folder.Combine("pg"));
        Assert.NotNull(released);
    }

    [Fact]
    public async Task Data_from_another_major_version_is_refused_with_advice()
    {
        await using var folder = TemporaryFolder.Create("pg-version");
        Directory.CreateDirectory(folder.Combine("pg"));
        File.WriteAllText(folder.Combine("pg", "PG_VERSION"), "9\n");

        var refusal = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel));

        Assert.Contains("belongs to PostgreSQL 9", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("pg_upgrade", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_holding_something_else_is_refused_and_left_untouched()
    {
        await using var folder = TemporaryFolder.Create("pg-other");
        Directory.CreateDirectory(folder.Combine("pg"));
        File.WriteAllText(folder.Combine("pg", "notes.txt"), "mine");

        var refusal = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel));

        Assert.Contains("no PG_VERSION", refusal.Message, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(folder.Combine("pg", "notes.txt")));
        Assert.Single(Directory.GetFileSystemEntries(folder.Combine("pg")));
    }

    [Fact]
    public async Task Invalid_settings_are_reported_together_before_anything_starts()
    {
        await using var folder = TemporaryFolder.Create("pg-settings");
        var options = new PrivatePostgresOptions { DataDirectory = folder.Combine("pg"), DatabaseName = "Bad-Name", StartTimeoutSeconds = 0 };
        options.ServerSettings["work_mem"] = "1'; DROP";

        var refusal = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(options, folder.Path, null, Cancel));

        Assert.Contains("DatabaseName", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("StartTimeoutSeconds", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("work_mem", refusal.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.Combine("pg")));
    }

    // Data in "pg" under the test's folder, which each test passes as the content root.
    private static PrivatePostgresOptions NewOptions()
    {
        var options = new PrivatePostgresOptions { DataDirectory = "pg" };
        options.ServerSettings["fsync"] = "off";
        return options;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private static async Task<object[]> QueryRowAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel), $"'{sql}' returned a row.");
        var row = new object[reader.FieldCount];
        reader.GetValues(row);
        return row;
    }

    // A server restarted on the same socket must not be handed a dead pooled connection.
    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private static List<int> ChildrenOf(int parentPid)
    {
        var children = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
                continue;
            try
            {
                // Fields after the parenthesised name: state, then the parent's pid.
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parentPid)
                    children.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }
        return children;
    }

    private static uint EffectiveUid(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
    }

    // Read with coreutils' stat rather than the code under test.
    private static uint OwnerUid(string path) => uint.Parse(Run("stat", "-c", "%u", path), CultureInfo.InvariantCulture);

    private static string Run(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)!;
        // Both outputs are a line at most, so reading one after the other cannot block.
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {error}");
        return output.Trim();
    }

    // A live process that is not PostgreSQL: cat, waiting for input that never comes, run as
    // nobody when the tests run as root (as the server then is).
    private static Process StartIdleProcessAsServerAccount()
    {
        var startInfo = new ProcessStartInfo("cat") { RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Environment.IsPrivilegedProcess)
        {
            var (uid, gid) = Posix.FindAccount("nobody")!.Value;
            startInfo = new ProcessStartInfo("setpriv") { RedirectStandardInput = true, RedirectStandardOutput = true };
            foreach (var argument in new[] { $"--reuid={uid}", $"--regid={gid}", "--clear-groups", "cat" })
                startInfo.ArgumentList.Add(argument);
        }
        return Process.Start(startInfo)!;
    }
}
