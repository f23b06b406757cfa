using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Where the server's data and binaries live. Where configured, unless Kisei runs as root and the
/// server's unprivileged account cannot reach them there (a checkout in a 0700 home or
/// <c>mktemp -d</c> folder). Then they go under <see cref="PrivatePostgresOptions.FallbackDirectory"/>:
/// <list type="bullet">
/// <item><c>bin/&lt;version&gt;-&lt;hash&gt;</c>: a root-owned, read-only copy of the installation, made once per version;</item>
/// <item><c>data/&lt;hash&gt;</c>: the data, owned by the account, one folder per configured data folder's full
/// path, so each checkout keeps its own and finds it again on the next start.</item>
/// </list>
/// </summary>
internal sealed partial class ServerPlacement(ServerAccount account, string fallbackDirectory, ILogger logger)
{
    private const UnixFileMode Traversable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>The data folder the server uses for the configured one.</summary>
    /// <exception cref="PrivatePostgresException">The fallback folder is unsafe or cannot be made.</exception>
    public string PlaceData(string configured)
    {
        if (OperatingSystem.IsWindows() || !account.SwitchesUser || account.DescribeBlockedPath(configured) is not { } reason)
            return configured;
        try
        {
            var placed = Path.Combine(PrepareFallback("data"), Hash(configured));
            // For a human: which folder each hashed name stands for.
            File.WriteAllText(placed + ".origin", configured + "\n");
            if (File.Exists(Path.Combine(configured, "PG_VERSION")))
            {
                // Only another account (a normal user's run) can have used it, so it is theirs to keep.
                logger.LogWarning(
                    "{Configured} holds PostgreSQL data that {Account} cannot reach; Kisei leaves it as it is and uses {Placed}.",
                    configured, account, placed);
            }
            logger.LogInformation(
                "The private PostgreSQL keeps its data in {Placed}, because {Account} cannot reach {Configured}: {Reason} " +
                "Every start with the same data folder setting uses it again.", placed, account, configured, reason);
            return placed;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw CouldNotPlace(exception);
        }
    }

    private static readonly Lock CopyLock = new();

    /// <summary>The binaries the server runs: the located ones, or a reachable copy of them.</summary>
    /// <exception cref="PrivatePostgresException">The fallback folder is unsafe, or the copy failed.</exception>
    public PostgresBinaries PlaceBinaries(PostgresBinaries located)
    {
        if (OperatingSystem.IsWindows() || !account.SwitchesUser || account.DescribeBlockedPath(located.Postgres) is not { } reason)
            return located;
        try
        {
            // The folder above bin/ holds lib/ and share/, which the programs find relative to themselves.
            var installation = Path.GetDirectoryName(located.BinDirectory)!;
            var copy = Path.Combine(PrepareFallback("bin"), CopyName(installation, located.Postgres));
            var binaries = new PostgresBinaries(Path.Combine(copy, Path.GetFileName(located.BinDirectory)), $"{located.Source}, copied for {account.Name}");
            // One copy at a time in this process (a test run starts many servers at once); other processes
            // copy under names of their own, and the first rename wins.
            lock (CopyLock)
            {
                if (PostgresBinaries.MissingPrograms(binaries.BinDirectory).Count == 0)
                    return binaries;

                // Copied under a name of its own and renamed, so a copy cut short, or another process's copy
                // under way, is never used or deleted. A folder at the final name is always a finished copy,
                // and is in use: it is never deleted.
                var staging = $"{copy}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
                CopyTree(installation, staging);
                if (Directory.Exists(copy) && PostgresBinaries.MissingPrograms(binaries.BinDirectory).Count > 0)
                {
                    // An unfinished copy at the final name (an older Kisei deleted and copied in place): no
                    // server can run from it, so it is moved aside, then removed.
                    var broken = $"{copy}.broken-{Guid.NewGuid():N}";
                    Directory.Move(copy, broken);
                    Directory.Delete(broken, recursive: true);
                }

                try
                {
                    Directory.Move(staging, copy);
                }
                catch (IOException) when (PostgresBinaries.MissingPrograms(binaries.BinDirectory).Count == 0)
                {
                    // Another Kisei made the same copy at the same time.
                    Directory.Delete(staging, recursive: true);
                }
            }

            logger.LogInformation(
                "Copied the PostgreSQL programs from {Installation} to {Copy}, because {Account} cannot reach them: {Reason}",
                installation, copy, account, reason);
            return binaries;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw CouldNotPlace(exception);
        }
    }

    // The fallback folder holds what root later gives to, or runs as, the server's account, so
    // nobody but root may write to it, and the account must be able to pass through it.
    [UnsupportedOSPlatform("windows")]
    private string PrepareFallback(string child)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(fallbackDirectory));
        var folder = Path.Combine(root, child);
        foreach (var directory in new[] { root, folder })
        {
            Directory.CreateDirectory(directory);
            if (Posix.TryGetStatus(directory, followLinks: false) is not { IsDirectory: true, Uid: 0 } status || (status.Permissions & 0b000_010_010) != 0)
            {
                throw new PrivatePostgresException(
                    $"{directory} must be a folder that only root can write to, because Kisei keeps the private PostgreSQL's " +
                    $"binaries and data there for {account}. Fix its owner and mode (chown root:root, chmod 755), or set " +
                    $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.FallbackDirectory)}.");
            }
            File.SetUnixFileMode(directory, Traversable);
        }
        if (account.DescribeBlockedPath(Path.Combine(folder, "entry")) is { } reason)
        {
            throw new PrivatePostgresException(
                $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.FallbackDirectory)} {root} is out of reach too: {reason}");
        }
        return folder;
    }

    // The npm package's version names the copy for a human; the hash tells apart installations
    // and a program replaced in place.
    private static string CopyName(string installation, string postgres)
    {
        var program = new FileInfo(postgres);
        var identity = $"{installation}\n{program.Length}\n{program.LastWriteTimeUtc.Ticks}";
        var packageJson = Path.Combine(Path.GetDirectoryName(installation)!, "package.json");
        var version = "postgres";
        if (File.Exists(packageJson))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
                if (document.RootElement.TryGetProperty("version", out var value) && value.GetString() is { Length: > 0 } text)
                    version = UnsafeNameCharacters().Replace(text, "_");
            }
            catch (JsonException)
            {
                // Only the name suffers.
            }
        }
        return $"{version}-{Hash(identity)}";
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    // Symbolic links are copied as links (the package's libraries are linked by relative paths);
    // every file becomes readable, and every program runnable, by the server's account.
    [UnsupportedOSPlatform("windows")]
    private static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        File.SetUnixFileMode(destination, Traversable);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else if (entry is DirectoryInfo directory)
            {
                CopyTree(directory.FullName, target);
            }
            else
            {
                File.Copy(entry.FullName, target);
                var mode = File.GetUnixFileMode(target) | UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
                if ((mode & UnixFileMode.UserExecute) != 0)
                    mode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
                File.SetUnixFileMode(target, mode & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
            }
        }
    }

    private PrivatePostgresException CouldNotPlace(Exception exception) =>
        new($"Kisei could not place the private PostgreSQL where {account} can reach it: {exception.Message}", exception);

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeNameCharacters();
}
