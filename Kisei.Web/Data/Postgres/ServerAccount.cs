using System.Diagnostics;
using System.Text;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// The account that runs initdb, pg_ctl and postgres. PostgreSQL refuses to run as root, so
/// when Kisei is root on Unix the programs run through <c>setpriv</c> as an unprivileged
/// account (<c>nobody</c> by default) that owns the data folder. Otherwise they run as Kisei.
/// </summary>
internal sealed class ServerAccount
{
    private readonly string? setprivPath;

    private ServerAccount(string name, uint? uid, uint? gid, string? setprivPath)
    {
        Name = name;
        Uid = uid;
        Gid = gid;
        this.setprivPath = setprivPath;
    }

    /// <summary>User name, for messages.</summary>
    public string Name { get; }

    /// <summary>The uid the server runs as; null on Windows.</summary>
    public uint? Uid { get; }

    /// <summary>The gid the server runs as; null on Windows.</summary>
    public uint? Gid { get; }

    /// <summary>True when the programs run as another account than Kisei's.</summary>
    public bool SwitchesUser => setprivPath is not null;

    public override string ToString() => Uid is null ? Name : $"{Name} (uid {Uid}, gid {Gid})";

    /// <summary>Kisei's own account, or <paramref name="serverUser"/> when Kisei is root.</summary>
    public static ServerAccount Resolve(string serverUser)
    {
        if (OperatingSystem.IsWindows())
            return new ServerAccount(Environment.UserName, null, null, null);

        if (!Environment.IsPrivilegedProcess)
        {
            // /proc/self belongs to the effective uid even when the uid has no passwd entry.
            var current = OperatingSystem.IsLinux() && Posix.TryGetStatus("/proc/self") is { } self
                ? (self.Uid, self.Gid)
                : Posix.FindAccount(Environment.UserName);
            return new ServerAccount(Environment.UserName, current?.Item1, current?.Item2, null);
        }

        var account = Posix.FindAccount(serverUser) ?? throw new PrivatePostgresException(
            $"Kisei runs as root, and PostgreSQL refuses root, so it must run the server as " +
            $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.ServerUser)} '{serverUser}', " +
            "but this system has no such account.");
        if (account.Uid == 0)
        {
            throw new PrivatePostgresException(
                $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.ServerUser)} '{serverUser}' is root; " +
                "PostgreSQL needs an unprivileged account.");
        }
        var setpriv = FindOnPath("setpriv") ?? throw new PrivatePostgresException(
            $"Kisei runs as root, so it must run PostgreSQL as '{serverUser}' through setpriv (util-linux), " +
            "which was not found. Install util-linux, run Kisei as a normal user, or set ConnectionStrings:Postgres.");
        return new ServerAccount(serverUser, account.Uid, account.Gid, setpriv);
    }

    /// <summary>
    /// Runs a program as this account and collects its output. Pass
    /// <paramref name="redirectOutput"/> false for <c>pg_ctl start</c> on Windows, where the
    /// server would inherit the output pipes and keep them open.
    /// </summary>
    public async Task<ToolResult> RunAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken,
        bool redirectOutput = true)
    {
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = redirectOutput,
            // The account may not be able to enter Kisei's current folder, and every path passed is absolute.
            WorkingDirectory = OperatingSystem.IsWindows() ? "" : "/",
        };
        if (setprivPath is not null)
        {
            startInfo.FileName = setprivPath;
            startInfo.ArgumentList.Add($"--reuid={Uid}");
            startInfo.ArgumentList.Add($"--regid={Gid}");
            startInfo.ArgumentList.Add("--clear-groups");
            startInfo.ArgumentList.Add(program);
        }
        else
        {
            startInfo.FileName = program;
        }
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        // PGPORT, PGDATA and friends would quietly change what the programs do.
        foreach (var name in startInfo.Environment.Keys.Where(key => key.StartsWith("PG", StringComparison.Ordinal)).ToList())
            startInfo.Environment.Remove(name);

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new PrivatePostgresException($"Could not run {startInfo.FileName} as {this}: {exception.Message}", exception);
        }

        var output = new StringBuilder();
        var readers = redirectOutput
            ? new[] { CollectAsync(process.StandardOutput, output), CollectAsync(process.StandardError, output) }
            : [];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new PrivatePostgresException(
                $"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds:0} s. Output:{Environment.NewLine}{Snapshot(output)}");
        }
        // A daemon started by the program could hold the pipes open; its output is not needed.
        await Task.WhenAny(Task.WhenAll(readers), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        return new ToolResult(process.ExitCode, Snapshot(output).Trim());
    }

    private static async Task CollectAsync(StreamReader reader, StringBuilder output)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (output)
                output.Append(buffer, 0, read);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
            return output.ToString();
    }

    /// <summary>
    /// Why this account cannot reach <paramref name="path"/>, judged from mode bits (ACLs are
    /// not read), or null when nothing in the way was found.
    /// </summary>
    public string? DescribeBlockedPath(string path)
    {
        if (!OperatingSystem.IsLinux() || Uid is not { } uid || Gid is not { } gid)
            return null;
        var directory = new DirectoryInfo(Path.GetFullPath(path));
        var ancestors = new List<DirectoryInfo>();
        for (var current = directory.Parent; current is not null; current = current.Parent)
            ancestors.Add(current);
        ancestors.Reverse();
        foreach (var ancestor in ancestors)
        {
            if (Posix.TryGetStatus(ancestor.FullName) is not { } status)
                continue;
            var searchBit = status.Uid == uid ? 0b001_000_000 : status.Gid == gid ? 0b000_001_000 : 0b000_000_001;
            if ((status.Permissions & searchBit) == 0)
            {
                return $"{ancestor.FullName} (mode {Convert.ToString(status.Permissions, 8)}, owner uid {status.Uid}) " +
                    $"does not let {this} pass; allow it (chmod o+x) or move the folder.";
            }
        }
        return null;
    }

    private static string? FindOnPath(string program)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Concat(["/usr/bin", "/bin", "/usr/sbin", "/sbin"]);
        return directories
            .Where(directory => directory.Length > 0)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
    }
}

/// <summary>How a program run by <see cref="ServerAccount.RunAsync"/> ended.</summary>
internal readonly record struct ToolResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}
