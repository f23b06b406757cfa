using Kisei.Web.Data.Postgres;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>
/// A folder for one test (or one test run) under <c>&lt;temp&gt;/kisei-tests-&lt;user&gt;</c>,
/// deleted on dispose. A lock file beside it, held while the folder is in use, lets a later run
/// tell the folders of a killed run from live ones: <see cref="RemoveAbandonedAsync"/> stops the
/// PostgreSQL servers left in those and deletes them.
/// </summary>
/// <remarks>
/// Folders are searchable by everyone (0755) because, when tests run as root, the private
/// PostgreSQL runs as <c>nobody</c> and must reach its data folder inside.
/// </remarks>
public sealed class TemporaryFolder : IAsyncDisposable
{
    private const UnixFileMode Searchable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly FileStream inUse;

    private TemporaryFolder(string path, FileStream inUse)
    {
        Path = path;
        this.inUse = inUse;
    }

    /// <summary>The parent of every test folder.</summary>
    public static string Root { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kisei-tests-" + Environment.UserName);

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Creates an empty folder whose name starts with <paramref name="label"/>, under <see cref="Root"/> or <paramref name="parent"/>.</summary>
    public static TemporaryFolder Create(string label, string? parent = null)
    {
        parent ??= Root;
        CreateSearchable(parent);
        var path = System.IO.Path.Combine(parent, $"{label}-{Guid.NewGuid():N}"[..Math.Min(label.Length + 13, 60)]);
        // The lock comes first, so a folder never exists unguarded.
        var inUse = new FileStream(path + ".lock", FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        CreateSearchable(path);
        return new TemporaryFolder(path, inUse);
    }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServersAsync(Path);
            if (Directory.Exists(Path))
                Directory.Delete(Path, recursive: true);
        }
        finally
        {
            await inUse.DisposeAsync();
            File.Delete(Path + ".lock");
        }
    }

    /// <summary>
    /// Deletes the folders whose owner is gone (a killed test run), after stopping any
    /// PostgreSQL server still running in them: under <see cref="Root"/>, or <paramref name="parent"/>.
    /// </summary>
    public static async Task RemoveAbandonedAsync(string? parent = null)
    {
        parent ??= Root;
        if (!Directory.Exists(parent))
            return;
        foreach (var lockPath in Directory.EnumerateFiles(parent, "*.lock"))
        {
            FileStream probe;
            try
            {
                probe = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue;
            }
            await using (probe)
            {
                var folder = lockPath[..^".lock".Length];
                await StopServersAsync(folder);
                if (Directory.Exists(folder))
                    Directory.Delete(folder, recursive: true);
            }
            File.Delete(lockPath);
        }
    }

    // Every private server's data folder has a lock file beside it.
    private static async Task StopServersAsync(string folder)
    {
        if (!Directory.Exists(folder))
            return;
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true };
        foreach (var lockPath in Directory.EnumerateFiles(folder, "*.lock", options).ToList())
            await PrivatePostgres.TryStopAbandonedAsync(lockPath[..^".lock".Length], null, CancellationToken.None);
    }

    private static void CreateSearchable(string path)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, Searchable);
    }
}
