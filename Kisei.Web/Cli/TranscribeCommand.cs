using System.Globalization;
using System.Text.Json;
using Kisei.Web.Audio;
using Kisei.Web.Screams;
using Kisei.Whisper;

namespace Kisei.Web.Cli;

/// <summary>
/// <c>kisei transcribe FILE.wav --model PATH [--language ja] [--threads N] [--json]</c>: runs the
/// managed Whisper engine on a WAV (resampled to 16 kHz) and prints the tokens, the text and the
/// timings.
/// </summary>
internal static class TranscribeCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var arguments = new Arguments(args, new HashSet<string> { "--json" }, new HashSet<string> { "--model", "--language", "--threads" });
        var modelPath = arguments.Value("--model");
        if (arguments.Positionals.Count != 1 || modelPath is null)
        {
            throw new CommandLineException("usage: kisei transcribe FILE.wav --model PATH [--language ja] [--threads N] [--json]");
        }

        var threads = 0;
        if (arguments.Value("--threads") is { } threadsText
            && (!int.TryParse(threadsText, NumberStyles.None, CultureInfo.InvariantCulture, out threads) || threads < 1))
        {
            throw new CommandLineException($"--threads needs a positive whole number, not '{threadsText}'");
        }

        var language = arguments.Value("--language") ?? "ja";
        var samples = await ReadSamples16kHzAsync(arguments.Positionals[0]);

        WhisperTranscription transcription;
        try
        {
            using var transcriber = WhisperTranscriber.Load(modelPath, threads);
            transcription = transcriber.Transcribe(samples, language);
        }
        catch (WhisperModelException exception)
        {
            throw new CommandLineException($"{modelPath}: {exception.Message}");
        }
        catch (FileNotFoundException)
        {
            throw new CommandLineException($"no model file at {modelPath}");
        }
        catch (ArgumentException exception)
        {
            throw new CommandLineException(exception.Message);
        }

        if (arguments.Has("--json"))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(transcription, CliJson.Options));
        }
        else
        {
            await output.WriteLineAsync(transcription.Text);
            await error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{transcription.DecodedTokens} tokens; mel {transcription.MelMilliseconds:0} ms, encode {transcription.EncodeMilliseconds:0} ms, decode {transcription.DecodeMilliseconds:0} ms; no-speech {transcription.NoSpeechProbability:0.000}, avg log-prob {transcription.AverageLogProbability:0.000}"));
        }

        return 0;
    }

    /// <summary>Reads a WAV file and resamples it to the rate Whisper works at.</summary>
    internal static async Task<float[]> ReadSamples16kHzAsync(string path)
    {
        var bytes = await CommandLine.ReadInputAsync(path);
        try
        {
            var audio = WavReader.Read(bytes);
            return Resampler.Resample(audio.Mono, audio.SampleRateHz, ScreamAnalyzer.RecognizerSampleRateHz);
        }
        catch (WavFormatException exception)
        {
            throw new CommandLineException($"{path}: {exception.Message}");
        }
    }
}
