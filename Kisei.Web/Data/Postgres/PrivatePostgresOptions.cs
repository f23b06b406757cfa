using System.Text.RegularExpressions;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// Settings of the private PostgreSQL server that Kisei runs when no connection string is
/// configured (docs/design.md §5). Bound from the <c>Database</c> section.
/// </summary>
public sealed partial class PrivatePostgresOptions
{
    public const string SectionName = "Database";

    /// <summary>Folder of the server's data, relative to the content root unless absolute.</summary>
    public string DataDirectory { get; set; } = "data/postgres";

    /// <summary>Folder holding initdb, pg_ctl and postgres; null to use the npm package, then a PostgreSQL on the machine.</summary>
    public string? PostgresBinDirectory { get; set; }

    /// <summary>Name of the application's database, created when missing.</summary>
    public string DatabaseName { get; set; } = "kisei";

    /// <summary>Application Name that the connection string reports to the server.</summary>
    public string ApplicationName { get; set; } = "Kisei";

    /// <summary>Account that runs the server when Kisei runs as root, because PostgreSQL refuses root.</summary>
    public string ServerUser { get; set; } = "nobody";

    /// <summary>
    /// Where the server's binaries and data go when Kisei runs as root and <see cref="ServerUser"/>
    /// cannot reach them where they are (a checkout in a 0700 folder): a root-owned folder that everyone may enter.
    /// </summary>
    public string FallbackDirectory { get; set; } = "/var/lib/kisei";

    /// <summary>Seconds the server may stay down, while Kisei restarts it, before <c>/healthz</c> asks for the app to be restarted.</summary>
    public int RecoveryGraceSeconds { get; set; } = 120;

    /// <summary>Folder of the server's Unix socket; null for a short private folder under the temp folder.</summary>
    public string? SocketDirectory { get; set; }

    /// <summary>Seconds to wait for initdb, or for the server to accept connections.</summary>
    public int StartTimeoutSeconds { get; set; } = 60;

    /// <summary>Seconds to wait for a fast shutdown before the server is stopped harder.</summary>
    public int StopTimeoutSeconds { get; set; } = 30;

    /// <summary>Extra server settings passed as <c>-c name=value</c>, such as <c>fsync=off</c> for throwaway test data.</summary>
    public IDictionary<string, string> ServerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Every problem with these settings, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DataDirectory))
            problems.Add($"{SectionName}:{nameof(DataDirectory)} is empty.");
        if (!DatabaseNamePattern().IsMatch(DatabaseName ?? ""))
            problems.Add($"{SectionName}:{nameof(DatabaseName)} '{DatabaseName}' must be 1-63 lower-case letters, digits or underscores, starting with a letter or underscore.");
        if (string.IsNullOrWhiteSpace(ServerUser))
            problems.Add($"{SectionName}:{nameof(ServerUser)} is empty.");
        if (StartTimeoutSeconds is < 1 or > 3600)
            problems.Add($"{SectionName}:{nameof(StartTimeoutSeconds)} must be between 1 and 3600, not {StartTimeoutSeconds}.");
        // Only root on Unix uses it.
        if (!OperatingSystem.IsWindows() && (string.IsNullOrWhiteSpace(FallbackDirectory) || !Path.IsPathFullyQualified(FallbackDirectory)))
            problems.Add($"{SectionName}:{nameof(FallbackDirectory)} must be a full path, not '{FallbackDirectory}'.");
        if (RecoveryGraceSeconds is < 1 or > 86400)
            problems.Add($"{SectionName}:{nameof(RecoveryGraceSeconds)} must be between 1 and 86400, not {RecoveryGraceSeconds}.");
        if (StopTimeoutSeconds is < 1 or > 3600)
            problems.Add($"{SectionName}:{nameof(StopTimeoutSeconds)} must be between 1 and 3600, not {StopTimeoutSeconds}.");
        foreach (var (name, value) in ServerSettings)
        {
            // pg_ctl hands the options to a shell, so only plain names and quote-free values pass.
            if (!SettingNamePattern().IsMatch(name))
                problems.Add($"{SectionName}:{nameof(ServerSettings)} has an invalid setting name '{name}'.");
            if (value is null || value.IndexOfAny(['\'', '"', '\\', '\n', '\r', '\0']) >= 0)
                problems.Add($"{SectionName}:{nameof(ServerSettings)}:{name} must not contain quotes, backslashes or line breaks.");
        }
        return problems;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseNamePattern();

    [GeneratedRegex("^[a-z_][a-z0-9_.]*$")]
    private static partial Regex SettingNamePattern();
}
