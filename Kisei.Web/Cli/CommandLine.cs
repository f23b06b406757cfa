namespace Kisei.Web.Cli;

/// <summary>
/// The command line of the same executable: <c>dotnet Kisei.Web.dll COMMAND ...</c>. A command
/// prints its result on stdout; a bad file or argument prints one line on stderr and exits non-zero.
/// </summary>
public static class CommandLine
{
    private static readonly Dictionary<string, Func<string[], TextWriter, TextWriter, Task<int>>> Commands = new(StringComparer.Ordinal)
    {
        ["score"] = ScoreCommand.RunAsync,
        ["transcribe"] = TranscribeCommand.RunAsync,
        ["migrate"] = MigrateCommand.RunAsync,
        ["model"] = ModelCommand.RunAsync,
        ["health"] = HealthCommand.RunAsync,
    };

    /// <summary>Exit code for a bad argument or input file.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a failure past the arguments (database unreachable, model broken).</summary>
    public const int Failure = 1;

    /// <summary>Whether the first argument names a command (otherwise the web app starts).</summary>
    public static bool Handles(string[] args) => args.Length > 0 && Commands.ContainsKey(args[0]);

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>Reads a command's input file; an unreadable one is a usage error naming the file.</summary>
    internal static async Task<byte[]> ReadInputAsync(string path)
    {
        try
        {
            return await File.ReadAllBytesAsync(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CommandLineException($"cannot read {path}: {exception.Message}");
        }
    }

    /// <summary>Runs a command with the given output streams; tests call this directly.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 0 || !Commands.TryGetValue(args[0], out var command))
        {
            await error.WriteLineAsync($"kisei: unknown command; try one of: {string.Join(", ", Commands.Keys)}");
            return UsageError;
        }

        try
        {
            return await command(args[1..], output, error);
        }
        catch (CommandLineException exception)
        {
            await error.WriteLineAsync($"kisei {args[0]}: {exception.Message}");
            return UsageError;
        }
    }
}

/// <summary>A bad argument or input: printed as one line, exit code 2.</summary>
public sealed class CommandLineException(string message) : Exception(message);

/// <summary>A tiny argument reader: positionals, <c>--flag</c> and <c>--name value</c>.</summary>
internal sealed class Arguments
{
    private readonly List<string> positionals = [];
    private readonly Dictionary<string, string?> options = new(StringComparer.Ordinal);

    public Arguments(string[] args, IReadOnlySet<string> flags, IReadOnlySet<string> valued)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                positionals.Add(arg);
            }
            else if (flags.Contains(arg))
            {
                options[arg] = null;
            }
            else if (valued.Contains(arg))
            {
                if (i + 1 >= args.Length)
                {
                    throw new CommandLineException($"{arg} needs a value");
                }

                options[arg] = args[++i];
            }
            else
            {
                throw new CommandLineException($"unknown option {arg}");
            }
        }
    }

    public IReadOnlyList<string> Positionals => positionals;

    public bool Has(string name) => options.ContainsKey(name);

    public string? Value(string name) => options.GetValueOrDefault(name);
}
