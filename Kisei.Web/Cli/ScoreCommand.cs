using System.Globalization;
using System.Text.Json;
using Kisei.Web.Audio;
using Kisei.Web.Screams;
using Kisei.Web.Speech;
using Kisei.Whisper;

namespace Kisei.Web.Cli;

/// <summary><c>kisei score FILE.wav [--model PATH] [--json]</c>: the analysis of one scream.</summary>
internal static class ScoreCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var arguments = new Arguments(args, new HashSet<string> { "--json" }, new HashSet<string> { "--model" });
        if (arguments.Positionals.Count != 1)
        {
            throw new CommandLineException("usage: kisei score FILE.wav [--model PATH] [--json]");
        }

        var path = arguments.Positionals[0];
        var wav = await CommandLine.ReadInputAsync(path);

        // With --model the Whisper engine recognizes; without, the syllable estimator (as the server without a model).
        using var whisper = arguments.Value("--model") is { } modelPath ? new WhisperRecognizer(new WhisperOptions { ModelPath = CheckedModelPath(modelPath) }) : null;
        ISpeechRecognizer recognizer = whisper is null ? new SyllableRecognizer() : whisper;
        ScreamAnalysis analysis;
        try
        {
            analysis = await new ScreamAnalyzer(recognizer).AnalyzeAsync(wav, CancellationToken.None);
        }
        catch (WavFormatException exception)
        {
            throw new CommandLineException($"{path}: {exception.Message}");
        }
        catch (SpeechRecognitionException exception)
        {
            await error.WriteLineAsync($"kisei score: recognition failed: {exception.Message}");
            return CommandLine.Failure;
        }

        var result = new ScoreJson(
            analysis.DurationSeconds,
            analysis.SampleRateHz,
            analysis.Channels,
            analysis.MeanRms,
            analysis.Score.Loudness,
            analysis.Score.SpeechCharacters,
            analysis.Score.SpeechFactor,
            analysis.Score.Score,
            analysis.Recognition.Recognizer,
            analysis.Recognition.Transcript);
        if (arguments.Has("--json"))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(result, CliJson.Options));
        }
        else
        {
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"score {result.Score:0.0}  X {result.Loudness:0.0000}  Y {result.SpeechFactor:0.00}  r {result.SpeechCharacters} ({result.Recognizer})  l {result.DurationSeconds:0.000} s  {result.SampleRateHz} Hz × {result.Channels}"));
            if (!string.IsNullOrEmpty(result.Transcript))
            {
                await output.WriteLineAsync($"transcript: {result.Transcript}");
            }
        }

        return 0;
    }

    private static string CheckedModelPath(string path) =>
        File.Exists(path) ? path : throw new CommandLineException($"no model file at {path}");

    /// <summary>The keys scripts rely on (docs/design.md §6); keep them stable.</summary>
    private sealed record ScoreJson(
        double DurationSeconds,
        int SampleRateHz,
        int Channels,
        double MeanRms,
        double Loudness,
        int SpeechCharacters,
        double SpeechFactor,
        decimal Score,
        string Recognizer,
        string? Transcript);
}

internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
