using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Finds and stops the processes of a PostgreSQL server by its data folder, so that a server
/// left behind by a killed app, or a crash's stale <c>postmaster.pid</c>, never blocks a start
/// and never costs an unrelated process a signal.
/// </summary>
internal static class ServerProcesses
{
    public const string PidFileName = "postmaster.pid";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan HardStopTimeout = TimeSpan.FromSeconds(10);

    // Children notice their postmaster's death within milliseconds; one that lingers is stuck.
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(2);

    /// <summary>The postmaster's pid from <c>postmaster.pid</c>, or null when there is none.</summary>
    public static int? ReadPidFile(string dataDirectory)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(
                Path.Combine(dataDirectory, PidFileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return int.TryParse(reader.ReadLine(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The live processes of the server working in <paramref name="dataDirectory"/>. On Linux,
    /// every process running a postgres program whose current folder is the data folder: the
    /// postmaster changes into it and its children inherit that, while pid reuse cannot fake it.
    /// Elsewhere, the <c>postmaster.pid</c> process when it is alive and named postgres.
    /// </summary>
    public static IReadOnlyList<int> Find(string dataDirectory)
    {
        if (OperatingSystem.IsLinux())
        {
            if (Posix.TryGetStatus(dataDirectory) is not { } data)
                return [];
            var found = new List<int>();
            foreach (var entry in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    continue;
                // Unreadable (another user's process) or gone (a zombie has no folder): not ours.
                if (Posix.TryGetStatus(Path.Combine(entry, "cwd")) is not { } cwd || !cwd.IsSameFileAs(data))
                    continue;
                if (IsPostgresProgram(ReadLink(Path.Combine(entry, "exe"))))
                    found.Add(pid);
            }
            return found;
        }

        if (ReadPidFile(dataDirectory) is not { } postmaster)
            return [];
        try
        {
            using var process = Process.GetProcessById(postmaster);
            return !process.HasExited && IsPostgresProgram(process.ProcessName) ? [postmaster] : [];
        }
        catch (ArgumentException)
        {
            return [];
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>
    /// Stops whatever server still works in <paramref name="dataDirectory"/>: a fast shutdown
    /// of its postmaster, then an immediate one, then SIGKILL for every process left. Orphaned
    /// children of a killed postmaster get a moment to exit on their own, then SIGKILL: with
    /// their postmaster dead the data needs crash recovery anyway, which the next start does.
    /// </summary>
    /// <returns>True when a process was found.</returns>
    public static async Task<bool> StopAsync(string dataDirectory, TimeSpan fastTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        var processes = Find(dataDirectory);
        if (processes.Count == 0)
            return false;

        var postmaster = ReadPidFile(dataDirectory) is { } pid && processes.Contains(pid) ? pid : (int?)null;
        if (postmaster is { } live)
        {
            logger.LogWarning("Stopping PostgreSQL (pid {Pid}) left running in {DataDirectory} by an earlier Kisei process.", live, dataDirectory);
            if (OperatingSystem.IsWindows())
            {
                KillAll(processes);
            }
            else
            {
                Posix.TrySignal(live, Posix.SignalInterrupt);
                if (await WaitUntilGoneAsync(dataDirectory, fastTimeout, cancellationToken))
                    return true;
                logger.LogWarning("PostgreSQL (pid {Pid}) ignored a fast shutdown for {Seconds} s; shutting it down immediately.", live, fastTimeout.TotalSeconds);
                Posix.TrySignal(live, Posix.SignalQuit);
            }
        }
        else
        {
            logger.LogWarning(
                "Waiting for {Count} PostgreSQL processes whose postmaster died to leave {DataDirectory}.", processes.Count, dataDirectory);
        }

        if (await WaitUntilGoneAsync(dataDirectory, postmaster is null ? OrphanGrace : HardStopTimeout, cancellationToken))
            return true;
        var left = Find(dataDirectory);
        logger.LogWarning("Killing PostgreSQL processes {Pids} that are still in {DataDirectory}.", string.Join(", ", left), dataDirectory);
        KillAll(left);
        if (await WaitUntilGoneAsync(dataDirectory, HardStopTimeout, cancellationToken))
            return true;
        throw new PrivatePostgresException(
            $"PostgreSQL processes {string.Join(", ", Find(dataDirectory))} keep running in {dataDirectory} and could not be stopped.");
    }

    /// <summary>Polls until no process works in the data folder; false at the deadline.</summary>
    public static async Task<bool> WaitUntilGoneAsync(string dataDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (Find(dataDirectory).Count > 0)
        {
            if (deadline.Elapsed >= timeout)
                return false;
            await Task.Delay(PollInterval, cancellationToken);
        }
        return true;
    }

    private static void KillAll(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            if (!OperatingSystem.IsWindows())
            {
                Posix.TrySignal(pid, Posix.SignalKill);
                continue;
            }
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsPostgresProgram(string? path)
    {
        if (path is null)
            return false;
        // The kernel appends " (deleted)" when the program file was replaced, as npm does on update.
        var name = Path.GetFileName(path.EndsWith(" (deleted)", StringComparison.Ordinal) ? path[..^10] : path);
        return name.StartsWith("postgres", StringComparison.Ordinal) || name.StartsWith("postmaster", StringComparison.Ordinal);
    }
}
