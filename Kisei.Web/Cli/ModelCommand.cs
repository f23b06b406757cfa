using Kisei.Web.Speech.Models;

namespace Kisei.Web.Cli;

/// <summary>
/// <c>kisei model pull NAME [--Speech:ModelDirectory=DIR]</c>: downloads a Whisper model from the
/// whisper.cpp model repository, with progress on stderr, resuming a partial download and checking
/// its SHA-256 before it takes the final name. Prints the model's path on stdout.
/// </summary>
internal static class ModelCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length < 2 || args[0] != "pull" || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new CommandLineException($"usage: kisei model pull NAME   (NAME is one of: {string.Join(", ", ModelCatalog.KnownNames)})");
        }

        var name = args[1];
        if (!ModelCatalog.TryFind(name, out _))
        {
            throw new CommandLineException($"unknown model '{name}'; known models: {string.Join(", ", ModelCatalog.KnownNames)}");
        }

        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(args[2..]);
        }
        catch (FormatException exception)
        {
            throw new CommandLineException($"bad configuration argument: {exception.Message}");
        }

        builder.Logging.ClearProviders();
        builder.AddSpeechModels();
        await using var services = builder.Services.BuildServiceProvider();
        var downloader = services.GetRequiredService<ModelDownloader>();
        try
        {
            var path = await downloader.PullWithProgressLinesAsync(name, error);
            await output.WriteLineAsync(path);
            return 0;
        }
        catch (ModelDownloadException exception)
        {
            await error.WriteLineAsync($"kisei model: {exception.Message}");
            return CommandLine.Failure;
        }
    }
}
