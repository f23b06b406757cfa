using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Kisei's private PostgreSQL server (docs/design.md §5): initialised once in a data folder, started
/// with pg_ctl, reached over a Unix socket in a private folder with no TCP listener (on Windows,
/// over loopback with a generated password kept in the data folder), and stopped with a fast
/// shutdown.
/// </summary>
/// <remarks>
/// <para>A server found still running in the data folder belongs to a Kisei process that was
/// killed: the folder's lock (<see cref="DataDirectoryLock"/>) is free, yet the server runs. It
/// is stopped and a fresh one started rather than adopted, because its socket, port and
/// settings are those of an earlier start and may not match this one's.</para>
/// <para>On Unix the socket trusts every local connection that can reach it. Only the server's
/// account (and root) can enter the socket folder, and that account owns the data files anyway,
/// so a password would protect nothing more.</para>
/// </remarks>
public sealed partial class PrivatePostgres : IAsyncDisposable
{
    /// <summary>The database superuser that initdb creates.</summary>
    public const string SuperUser = "postgres";

    /// <summary>The server's log, inside the data folder.</summary>
    public const string LogFileName = "server.log";

    /// <summary>The generated password on Windows, inside the data folder.</summary>
    public const string PasswordFileName = "kisei-password.txt";

    // The socket's name carries the port even though nothing listens on TCP.
    private const int UnixSocketPort = 5432;
    private const long LogRotationBytes = 10 * 1024 * 1024;
    private const int LogTailLines = 25;
    private static readonly TimeSpan ToolGrace = TimeSpan.FromSeconds(15);

    private readonly PrivatePostgresOptions options;
    private readonly ServerAccount account;
    private readonly ILogger logger;
    private readonly object stopGate = new();
    private readonly SemaphoreSlim restartGate = new(1, 1);
    private DataDirectoryLock? dataLock;
    private Task? stopTask;
    private int port;
    private string? password;

    private PrivatePostgres(
        PrivatePostgresOptions options, string dataDirectory, DataDirectoryLock dataLock,
        PostgresBinaries binaries, ServerAccount account, ILogger logger)
    {
        this.options = options;
        this.dataLock = dataLock;
        this.account = account;
        this.logger = logger;
        DataDirectory = dataDirectory;
        Binaries = binaries;
    }

    /// <summary>The settings it was started with.</summary>
    public PrivatePostgresOptions Options => options;

    /// <summary>The full path of the data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>The programs that run the server.</summary>
    public PostgresBinaries Binaries { get; }

    /// <summary>Connection string to the application's database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The server's version, such as 18.4.</summary>
    public string ServerVersion { get; private set; } = "";

    /// <summary>The postmaster's process id.</summary>
    public int ProcessId { get; private set; }

    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);

    /// <summary>True when this start ran initdb; false when it reused existing data.</summary>
    public bool Initialized { get; private set; }

    /// <summary>The folder of the Unix socket, or null on Windows, which listens on loopback.</summary>
    public string? SocketDirectory { get; private set; }

    /// <summary>The server's log file.</summary>
    public string LogFile => Path.Combine(DataDirectory, LogFileName);

    /// <summary>
    /// Starts the server, running initdb first when the data folder is new, and creates the
    /// application's database when it is missing.
    /// </summary>
    /// <param name="options">Settings; <see cref="PrivatePostgresOptions.DataDirectory"/> is relative to <paramref name="contentRootPath"/>.</param>
    /// <param name="contentRootPath">The app's content root, also a starting point to search for the npm package.</param>
    /// <param name="logger">Receives where the data lives, which binaries run, the socket and the version.</param>
    /// <param name="cancellationToken">Stops waiting; a half-started server is stopped again.</param>
    /// <exception cref="PrivatePostgresException">The settings are invalid, the folder is in use, or the server did not start.</exception>
    public static async Task<PrivatePostgres> StartAsync(
        PrivatePostgresOptions options, string contentRootPath, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRootPath);
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new PrivatePostgresException("The private PostgreSQL settings are invalid: " + string.Join(" ", problems));

        logger ??= NullLogger.Instance;
        var account = ServerAccount.Resolve(options.ServerUser);
        var placement = new ServerPlacement(account, options.FallbackDirectory, logger);
        var dataDirectory = placement.PlaceData(
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.DataDirectory, Path.GetFullPath(contentRootPath))));
        CheckOwner(dataDirectory, account);
        var dataLock = AcquireLock(dataDirectory);

        PrivatePostgres? server = null;
        try
        {
            var binaries = placement.PlaceBinaries(
                PostgresBinaryLocator.Locate(options.PostgresBinDirectory, [contentRootPath, AppContext.BaseDirectory]));
            server = new PrivatePostgres(options, dataDirectory, dataLock, binaries, account, logger);
            await server.StartCoreAsync(cancellationToken);
            return server;
        }
        catch (Exception exception)
        {
            if (server is not null)
                await server.StopAfterFailedStartAsync(exception);
            else
                dataLock.Dispose();
            if (exception is IOException or UnauthorizedAccessException)
                throw new PrivatePostgresException($"The private PostgreSQL in {dataDirectory} did not start: {exception.Message}", exception);
            throw;
        }
    }

    /// <summary>
    /// True while the postmaster runs. On Linux a process counts only while it works in the data
    /// folder, so a reused pid cannot pass for the server.
    /// </summary>
    public bool IsRunning => ProcessId > 0 && ServerProcesses.Find(DataDirectory).Contains(ProcessId);

    /// <summary>
    /// Starts the server again after it died, in the same folder and on the same socket, so the
    /// connection string stays valid. Whatever the dead server left (orphaned children, a stale
    /// <c>postmaster.pid</c>) is cleared first, and PostgreSQL's crash recovery replays the log.
    /// </summary>
    /// <exception cref="PrivatePostgresException">The server did not start, or is being stopped.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await restartGate.WaitAsync(cancellationToken);
        try
        {
            lock (stopGate)
            {
                if (stopTask is not null)
                    throw new PrivatePostgresException($"The private PostgreSQL in {DataDirectory} is stopping, so it is not restarted.");
            }
            ClearPool();
            await StopLeftoverServerAsync(cancellationToken);
            PrepareDataDirectory();
            if (options.SocketDirectory is null && SocketDirectory is not null)
                PreparePrivateSocketDirectory(SocketDirectory);
            RotateLog();
            await StartServerAsync(cancellationToken);
            ProcessId = ServerProcesses.ReadPidFile(DataDirectory) ?? 0;
            logger.LogInformation("PostgreSQL in {DataDirectory} restarted (pid {Pid}).", DataDirectory, ProcessId);
        }
        finally
        {
            restartGate.Release();
        }
    }

    /// <summary>Stops the server with a fast shutdown: open transactions roll back, data is flushed.</summary>
    /// <remarks>Safe to call more than once and from several threads; every call waits for the same stop.</remarks>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (stopGate)
            stopTask ??= StopCoreAsync();
        return stopTask.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Lets go of the data folder without stopping the server, as a killed app would. Tests use
    /// it to leave an orphaned server behind.
    /// </summary>
    internal void ReleaseWithoutStopping()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        lock (stopGate)
            stopTask ??= Task.CompletedTask;
        dataLock?.Dispose();
        dataLock = null;
    }

    /// <summary>
    /// Stops a server left running in <paramref name="dataDirectory"/> by a process that is gone,
    /// and removes its socket folder. False, touching nothing, when a live process holds the folder.
    /// </summary>
    internal static async Task<bool> TryStopAbandonedAsync(string dataDirectory, ILogger? logger, CancellationToken cancellationToken)
    {
        dataDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        using var dataLock = DataDirectoryLock.TryAcquire(dataDirectory);
        if (dataLock is null)
            return false;
        await ServerProcesses.StopAsync(dataDirectory, TimeSpan.FromSeconds(10), logger ?? NullLogger.Instance, cancellationToken);
        var socketDirectory = DefaultSocketDirectory(dataDirectory);
        if (!OperatingSystem.IsWindows() && Directory.Exists(socketDirectory))
            Directory.Delete(socketDirectory, recursive: true);
        return true;
    }

    // PostgreSQL insists on owning its data folder. As root, Kisei gives the folder to the server's
    // account when root or that account owns it; a folder of a third account is someone's data.
    private static void CheckOwner(string dataDirectory, ServerAccount account)
    {
        if (Posix.TryGetStatus(dataDirectory) is not { } status || status.Uid == account.Uid || account.SwitchesUser && status.Uid == 0)
            return;
        throw new PrivatePostgresException(
            $"The PostgreSQL data folder {dataDirectory} belongs to uid {status.Uid}, but the server would run as {account}. " +
            $"Run Kisei as the folder's owner, give the folder to {account.Name} (chown -R), or set " +
            $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.DataDirectory)} to another folder.");
    }

    private static DataDirectoryLock AcquireLock(string dataDirectory)
    {
        try
        {
            return DataDirectoryLock.TryAcquire(dataDirectory) ?? throw new PrivatePostgresException(
                $"The PostgreSQL data folder {dataDirectory} is in use by another Kisei process, which holds " +
                $"{DataDirectoryLock.PathFor(dataDirectory)}. Stop that process, or give this one its own " +
                $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.DataDirectory)}.");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PrivatePostgresException(
                $"Kisei cannot create {DataDirectoryLock.PathFor(dataDirectory)} beside its PostgreSQL data folder: {exception.Message} " +
                $"Let this account write to {Path.GetDirectoryName(dataDirectory)}, or set " +
                $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.DataDirectory)} to another folder.", exception);
        }
    }

    /// <summary>The private socket folder for a data folder: short, because socket paths are limited to about 100 bytes.</summary>
    internal static string DefaultSocketDirectory(string dataDirectory)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..12];
        var name = "kisei-pg-" + hash;
        var underTemp = Path.Combine(Path.GetTempPath(), name);
        return Encoding.UTF8.GetByteCount(underTemp) + "/.s.PGSQL.65535.lock".Length <= 100 ? underTemp : Path.Combine("/tmp", name);
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (version, major) = await ReadVersionAsync(cancellationToken);
        ServerVersion = version;
        // The start-up summary says where the data is; the binaries and the account are for debugging.
        logger.LogDebug(
            "Private PostgreSQL {Version}: data in {DataDirectory}, binaries in {BinDirectory} ({Source}), running as {Account}.",
            version, DataDirectory, Binaries.BinDirectory, Binaries.Source, account);

        await StopLeftoverServerAsync(cancellationToken);
        Initialized = await EnsureInitializedAsync(major, cancellationToken);
        PrepareDataDirectory();
        var endpoint = PrepareEndpoint();
        RotateLog();
        await StartServerAsync(cancellationToken);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        ProcessId = ServerProcesses.ReadPidFile(DataDirectory) ?? 0;
        await EnsureDatabaseAsync(cancellationToken);

        logger.LogInformation(
            "PostgreSQL {Version} ready on {Endpoint} (pid {Pid}, database {Database}) in {ElapsedMs} ms; {Data}; server log {LogFile}.",
            ServerVersion, endpoint, ProcessId, options.DatabaseName, clock.ElapsedMilliseconds,
            Initialized ? "initialised a new data folder" : "reused the existing data", LogFile);
    }

    private async Task<(string Version, int Major)> ReadVersionAsync(CancellationToken cancellationToken)
    {
        // This doubles as a check that the account can reach the programs. setpriv can start a
        // program that its account could not reach, but pg_ctl starts the server through
        // /bin/sh, which cannot, so the check goes the same way.
        var timeout = TimeSpan.FromSeconds(30);
        var result = account.SwitchesUser
            ? await account.RunAsync("/bin/sh", ["-c", "exec \"$0\" --version", Binaries.Postgres], timeout, cancellationToken)
            : await account.RunAsync(Binaries.Postgres, ["--version"], timeout, cancellationToken);
        var match = VersionPattern().Match(result.Output);
        if (result.Succeeded && match.Success)
            return (match.Groups[1].Value + match.Groups[2].Value, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        throw new PrivatePostgresException(
            $"{Binaries.Postgres} ({Binaries.Source}) does not run as {account}: exit code {result.ExitCode}, output: " +
            result.Output.ReplaceLineEndings(" ") + Blocked(Binaries.Postgres));
    }

    private async Task StopLeftoverServerAsync(CancellationToken cancellationToken)
    {
        var stopTimeout = TimeSpan.FromSeconds(options.StopTimeoutSeconds);
        if (OperatingSystem.IsWindows() && ServerProcesses.Find(DataDirectory).Count > 0)
        {
            // Windows has no signals to send, and pg_ctl knows how to ask the server to stop.
            logger.LogWarning("Stopping PostgreSQL left running in {DataDirectory} by an earlier Kisei process.", DataDirectory);
            await RunPgCtlStopAsync(cancellationToken);
        }
        await ServerProcesses.StopAsync(DataDirectory, stopTimeout, logger, cancellationToken);
        await ServerProcesses.StopAsync(StagingDirectory, stopTimeout, logger, cancellationToken);

        // No server works in the folder now, so any pid file is a crash's leftover. PostgreSQL
        // would refuse it if its pid now belongs to a live process, which is common in containers.
        var pidFile = Path.Combine(DataDirectory, ServerProcesses.PidFileName);
        if (File.Exists(pidFile))
        {
            logger.LogWarning(
                "Removing a stale {PidFile}: its pid {Pid} is not a PostgreSQL server of this folder.",
                pidFile, ServerProcesses.ReadPidFile(DataDirectory));
            File.Delete(pidFile);
        }
    }

    private string StagingDirectory => DataDirectory + ".init";

    private async Task<bool> EnsureInitializedAsync(int major, CancellationToken cancellationToken)
    {
        var versionFile = Path.Combine(DataDirectory, "PG_VERSION");
        if (File.Exists(versionFile))
        {
            var dataVersion = File.ReadAllText(versionFile).Trim();
            if (dataVersion != major.ToString(CultureInfo.InvariantCulture))
            {
                throw new PrivatePostgresException(
                    $"The data in {DataDirectory} belongs to PostgreSQL {dataVersion}, but the binaries in {Binaries.BinDirectory} " +
                    $"are PostgreSQL {ServerVersion}. Upgrade the data with pg_upgrade, or move the folder aside to start afresh.");
            }
            return false;
        }
        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new PrivatePostgresException(
                $"{DataDirectory} is not empty but holds no PostgreSQL data (it has no PG_VERSION). Empty it, or set " +
                $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.DataDirectory)} to another folder.");
        }

        // initdb works in a staging folder that is renamed when complete, so a start killed
        // half-way leaves no half-made data folder behind to be mistaken for a good one.
        var clock = Stopwatch.StartNew();
        var staging = StagingDirectory;
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        CreatePrivateDirectory(staging);

        var arguments = new List<string>
        {
            "-D", staging, "-U", SuperUser, "-E", "UTF8", "--locale=C", "--no-instructions",
        };
        // The built-in provider (PostgreSQL 17+) gives Unicode character classes without
        // depending on the operating system's locales; older servers sort and classify as C.
        if (major >= 17)
            arguments.AddRange(["--locale-provider=builtin", "--builtin-locale=C.UTF-8"]);
        string? passwordFile = null;
        if (OperatingSystem.IsWindows())
        {
            passwordFile = staging + ".password";
            await File.WriteAllTextAsync(passwordFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) + "\n", cancellationToken);
            arguments.AddRange(["--auth=scram-sha-256", "--pwfile=" + passwordFile]);
        }
        else
        {
            arguments.AddRange(["--auth-local=trust", "--auth-host=reject"]);
        }

        logger.LogInformation("Initialising a new PostgreSQL data folder in {DataDirectory}.", DataDirectory);
        var result = await account.RunAsync(Binaries.InitDb, arguments, TimeSpan.FromSeconds(options.StartTimeoutSeconds), cancellationToken);
        if (!result.Succeeded)
        {
            var lastLine = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            throw new PrivatePostgresException(
                $"initdb failed for {DataDirectory} (exit code {result.ExitCode}): {lastLine}{Blocked(staging)}" +
                $"{Environment.NewLine}{result.Output}");
        }

        if (Directory.Exists(DataDirectory))
            Directory.Delete(DataDirectory);
        Directory.Move(staging, DataDirectory);
        if (passwordFile is not null)
            File.Move(passwordFile, Path.Combine(DataDirectory, PasswordFileName));
        logger.LogDebug("initdb finished in {ElapsedMs} ms.", clock.ElapsedMilliseconds);
        return true;
    }

    // PostgreSQL insists that its own account owns the data folder and that nobody else can
    // read it. When Kisei is root, files can arrive owned by root (a restored backup, a folder
    // made by hand), so ownership is corrected file by file.
    private void PrepareDataDirectory()
    {
        if (OperatingSystem.IsWindows())
            return;
        if (account.SwitchesUser && GiveToAccount(DataDirectory) is var changed and > 0)
            logger.LogInformation("Gave {Count} files in {DataDirectory} to {Account}.", changed, DataDirectory, account);
        var mode = File.GetUnixFileMode(DataDirectory);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
            File.SetUnixFileMode(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Changes the owner of every file under <paramref name="path"/> that the account does not own; returns how many.</summary>
    private int GiveToAccount(string path)
    {
        if (account.Uid is not { } uid || account.Gid is not { } gid)
            return 0;
        var changed = 0;
        var pending = new Stack<string>();
        pending.Push(path);
        while (pending.TryPop(out var current))
        {
            if (Posix.TryGetStatus(current, followLinks: false) is not { } status)
                continue;
            if (status.Uid != uid || status.Gid != gid)
            {
                Posix.ChangeOwner(current, uid, gid);
                changed++;
            }
            if (status.IsDirectory)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(current))
                    pending.Push(entry);
            }
        }
        return changed;
    }

    private void CreatePrivateDirectory(string path)
    {
        Directory.CreateDirectory(path);
        if (OperatingSystem.IsWindows())
            return;
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (account.SwitchesUser)
            GiveToAccount(path);
    }

    private string PrepareEndpoint()
    {
        if (OperatingSystem.IsWindows())
        {
            var passwordFile = Path.Combine(DataDirectory, PasswordFileName);
            password = File.Exists(passwordFile) ? File.ReadAllText(passwordFile).Trim() : throw new PrivatePostgresException(
                $"{passwordFile} is missing, so Kisei cannot sign in to the server in {DataDirectory}. Move the folder aside to start afresh.");
            port = FreeLoopbackPort();
            ConnectionString = BuildConnectionString(options.DatabaseName);
            return $"127.0.0.1:{port}";
        }

        port = UnixSocketPort;
        if (options.SocketDirectory is { } configured)
        {
            SocketDirectory = Path.GetFullPath(configured);
            Directory.CreateDirectory(SocketDirectory);
        }
        else
        {
            SocketDirectory = DefaultSocketDirectory(DataDirectory);
            PreparePrivateSocketDirectory(SocketDirectory);
        }
        ConnectionString = BuildConnectionString(options.DatabaseName);
        return Path.Combine(SocketDirectory, $".s.PGSQL.{port}");
    }

    // The folder sits in the shared temp folder, so it must be ours and nobody else's; what it
    // holds is a crashed server's leftovers, as no server of this data folder runs now.
    private void PreparePrivateSocketDirectory(string path)
    {
        if (Posix.TryGetStatus(path, followLinks: false) is { } existing)
        {
            var ours = existing.IsDirectory && (existing.Uid == account.Uid || existing.Uid == 0 && Environment.IsPrivilegedProcess);
            if (!ours)
            {
                throw new PrivatePostgresException(
                    $"The socket folder {path} already exists and does not belong to {account}. Remove it, or set " +
                    $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.SocketDirectory)}.");
            }
            Directory.Delete(path, recursive: true);
        }
        else if (!OperatingSystem.IsLinux() && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        CreatePrivateDirectory(path);
    }

    private void RotateLog()
    {
        var log = new FileInfo(LogFile);
        if (log.Exists && log.Length > LogRotationBytes)
            log.MoveTo(LogFile + ".1", overwrite: true);
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var windows = OperatingSystem.IsWindows();
        // pg_ctl hands these options to a shell (cmd on Windows), hence the quoting.
        var serverOptions = new StringBuilder();
        serverOptions.Append(CultureInfo.InvariantCulture, $"-p {port}");
        if (windows)
            serverOptions.Append(" -c listen_addresses=127.0.0.1");
        else
            serverOptions.Append(" -k ").Append(ShellQuote(SocketDirectory!)).Append(" -c listen_addresses=''");
        foreach (var (name, value) in options.ServerSettings)
            serverOptions.Append(" -c ").Append(windows ? $"\"{name}={value}\"" : ShellQuote($"{name}={value}"));

        var timeout = TimeSpan.FromSeconds(options.StartTimeoutSeconds);
        string[] arguments =
        [
            "start", "-D", DataDirectory, "-w", "-s", "-t", options.StartTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            "-l", LogFile, "-o", serverOptions.ToString(),
        ];
        var result = await account.RunAsync(Binaries.PgCtl, arguments, timeout + ToolGrace, cancellationToken, redirectOutput: !windows);
        if (!result.Succeeded)
        {
            var tail = LogTail();
            // The server's own words first: its log is complete once pg_ctl has seen it exit, while pg_ctl's output is
            // read from a pipe that a loaded machine may not have drained in time.
            var cause = ServerComplaint(tail) ?? result.Output.ReplaceLineEndings(" ");
            throw new PrivatePostgresException(
                $"PostgreSQL did not start in {DataDirectory}: {cause}{Blocked(DataDirectory)} Read {LogFile}; if the data " +
                $"is damaged, move the folder aside (Kisei then starts afresh) or restore it from a backup." + tail);
        }
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        var maintenance = new NpgsqlConnectionStringBuilder(BuildConnectionString("postgres")) { Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        ServerVersion = connection.ServerVersion;

        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = options.DatabaseName });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // The name is checked against a plain identifier pattern, so quoting it is enough.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{options.DatabaseName}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            logger.LogDebug("Created the database {Database}.", options.DatabaseName);
        }
    }

    private string BuildConnectionString(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = OperatingSystem.IsWindows() ? "127.0.0.1" : SocketDirectory,
            Port = port,
            Username = SuperUser,
            Database = database,
            ApplicationName = options.ApplicationName,
        };
        if (password is not null)
            builder.Password = password;
        return builder.ConnectionString;
    }

    private async Task StopCoreAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        // A restart under way finishes (or fails) first, so that its server is the one stopped.
        var restarting = await restartGate.WaitAsync(TimeSpan.FromSeconds(options.StartTimeoutSeconds) + ToolGrace);
        try
        {
            var clock = Stopwatch.StartNew();
            ClearPool();
            if (OperatingSystem.IsWindows() || ServerProcesses.Find(DataDirectory).Count > 0)
                await RunPgCtlStopAsync(CancellationToken.None);
            // Anything pg_ctl could not stop is stopped harder.
            await ServerProcesses.StopAsync(DataDirectory, TimeSpan.FromSeconds(5), logger, CancellationToken.None);
            // An exiting postmaster leaves its data folder, which Find looks at, a moment before it is
            // gone; on a busy machine that moment is long enough for a caller to see it still there.
            var exiting = Stopwatch.StartNew();
            while (!OperatingSystem.IsWindows() && Posix.ProcessExists(ProcessId) && exiting.Elapsed < ExitGrace)
                await Task.Delay(10);
            if (options.SocketDirectory is null && SocketDirectory is not null && Directory.Exists(SocketDirectory))
                Directory.Delete(SocketDirectory, recursive: true);
            logger.LogInformation("PostgreSQL in {DataDirectory} stopped in {ElapsedMs} ms.", DataDirectory, clock.ElapsedMilliseconds);
        }
        finally
        {
            dataLock?.Dispose();
            dataLock = null;
            if (restarting)
                restartGate.Release();
        }
    }

    // Pooled connections to a stopped or dead server are broken; a later server on the same
    // socket must not be handed them.
    private void ClearPool()
    {
        if (ConnectionString.Length == 0)
            return;
        // The contexts' connections are a pool of their own (KiseiDbContext.Tuned).
        foreach (var connectionString in new[] { ConnectionString, KiseiDbContext.Tuned(ConnectionString) })
        {
            using var pooled = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(pooled);
        }
    }

    private async Task RunPgCtlStopAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.StopTimeoutSeconds);
        string[] arguments =
        [
            "stop", "-D", DataDirectory, "-m", "fast", "-w", "-s", "-t", options.StopTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
        ];
        var result = await account.RunAsync(Binaries.PgCtl, arguments, timeout + ToolGrace, cancellationToken);
        if (!result.Succeeded)
            logger.LogWarning("pg_ctl stop for {DataDirectory} failed (exit code {ExitCode}): {Output}", DataDirectory, result.ExitCode, result.Output);
    }

    private async Task StopAfterFailedStartAsync(Exception failure)
    {
        try
        {
            await StopAsync();
        }
        catch (Exception exception) when (exception is PrivatePostgresException or IOException or UnauthorizedAccessException)
        {
            logger.LogError(exception, "Could not stop PostgreSQL in {DataDirectory} after a failed start ({Failure}).", DataDirectory, failure.Message);
        }
    }

    // The last line of defence against a leaked server: pg_ctl's server outlives this process,
    // so a normal exit (or SIGTERM) that skipped StopAsync still stops it.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        try
        {
            StopAsync().GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            // An exception thrown from here would end the process before other handlers run.
            Console.Error.WriteLine($"Could not stop PostgreSQL in {DataDirectory} at process exit: {exception.Message}");
        }
    }

    private string Blocked(string path) =>
        account.SwitchesUser && account.DescribeBlockedPath(path) is { } reason ? " " + reason : "";

    /// <summary>
    /// Why a start failed, from the server log's last lines: the last line such as "FATAL:  invalid value for
    /// parameter", or the complaint the postmaster writes before its logging starts, with no level, such as
    /// "postgres: could not find the database system" and the lines after it that name the missing file.
    /// </summary>
    private static string? ServerComplaint(string tail)
    {
        var lines = tail.Split('\n').Select(line => line.Trim()).ToList();
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            if (lines[i].Contains("FATAL:", StringComparison.Ordinal) || lines[i].Contains("PANIC:", StringComparison.Ordinal))
                return lines[i];
            if (lines[i].StartsWith("postgres: ", StringComparison.Ordinal))
                return string.Join(' ', lines.Skip(i));
        }
        return null;
    }

    private string LogTail()
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Max(0, stream.Length - 16 * 1024), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var tail = string.Join(Environment.NewLine, lines.TakeLast(LogTailLines));
            return $"{Environment.NewLine}Last lines of {LogFile}:{Environment.NewLine}{tail}";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return $"{Environment.NewLine}The server log {LogFile} could not be read: {exception.Message}";
        }
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)(\S*)")]
    private static partial Regex VersionPattern();
}
