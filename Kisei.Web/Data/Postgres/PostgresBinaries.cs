namespace Kisei.Web.Data.Postgres;

/// <summary>A folder holding the three PostgreSQL programs Kisei runs, and where it was found.</summary>
public sealed record PostgresBinaries(string BinDirectory, string Source)
{
    /// <summary>The programs a folder must hold to be usable.</summary>
    public static IReadOnlyList<string> RequiredPrograms { get; } = ["initdb", "pg_ctl", "postgres"];

    public string InitDb => ProgramPath("initdb");

    public string PgCtl => ProgramPath("pg_ctl");

    public string Postgres => ProgramPath("postgres");

    /// <summary>The full path of a program in <see cref="BinDirectory"/>, with .exe on Windows.</summary>
    public string ProgramPath(string name) =>
        Path.Combine(BinDirectory, OperatingSystem.IsWindows() ? name + ".exe" : name);

    /// <summary>The required programs missing from <paramref name="binDirectory"/>.</summary>
    public static IReadOnlyList<string> MissingPrograms(string binDirectory)
    {
        var candidate = new PostgresBinaries(binDirectory, "");
        return RequiredPrograms.Where(name => !File.Exists(candidate.ProgramPath(name))).ToList();
    }
}
