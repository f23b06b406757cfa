using Kisei.Web.Data.Postgres;

namespace Kisei.Web.Tests.Infrastructure;

public sealed class TemporaryFolderTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Folders_of_a_killed_run_are_deleted_and_their_servers_stopped()
    {
        // A root of its own: a test run beside this one clears the shared root of abandoned folders too.
        await using var root = TemporaryFolder.Create("abandon-root");
        await using var live = TemporaryFolder.Create("live", root.Path);
        // What a killed run leaves: a folder whose lock nobody holds, with a server still running in it.
        var abandoned = Path.Combine(root.Path, "abandoned-" + Guid.NewGuid().ToString("N")[..12]);
        File.WriteAllText(abandoned + ".lock", "");
        Directory.CreateDirectory(abandoned);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(abandoned, File.GetUnixFileMode(root.Path));
        var options = new PrivatePostgresOptions { DataDirectory = "pg" };
        options.ServerSettings["fsync"] = "off";
        var orphan = await PrivatePostgres.StartAsync(options, abandoned, null, Cancel);
        orphan.ReleaseWithoutStopping();

        await TemporaryFolder.RemoveAbandonedAsync(root.Path);

        Assert.False(Posix.ProcessExists(orphan.ProcessId), "The abandoned server was stopped.");
        Assert.False(Directory.Exists(abandoned));
        Assert.False(File.Exists(abandoned + ".lock"));
        Assert.True(Directory.Exists(live.Path), "A folder in use was left alone.");
    }

    [Fact]
    public async Task A_folder_and_its_lock_are_removed_on_dispose()
    {
        var folder = TemporaryFolder.Create("disposed");
        File.WriteAllText(folder.Combine("file.txt"), "x");

        await folder.DisposeAsync();

        Assert.False(Directory.Exists(folder.Path));
        Assert.False(File.Exists(folder.Path + ".lock"));
    }
}
