using System.Globalization;
using System.Text.Json;
using Kisei.Web.Audio;
using Kisei.Web.Screams;
using Kisei.Web.Speech;
using Kisei.Whisper;

namespace Kisei.Web.Cli;

/// <summary>
/// <c>kisei transcribe FILE.wav --model PATH [--engine managed|whisper.net] [--language ja] [--threads N] [--json]</c>:
/// runs a Whisper engine on a WAV (resampled to 16 kHz) and prints the tokens, the text and the timings, with the
/// engine's name as <c>recognizer</c>.
/// </summary>
internal static class TranscribeCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var arguments = new Arguments(args, new HashSet<string> { "--json" }, new HashSet<string> { "--model", "--engine", "--language", "--threads" });
        var modelPath = arguments.Value("--model");
        if (arguments.Positionals.Count != 1 || modelPath is null)
        {
            throw new CommandLineException("usage: kisei transcribe FILE.wav --model PATH [--engine managed|whisper.net] [--language ja] [--threads N] [--json]");
        }

        var engine = arguments.Value("--engine") ?? SpeechOptions.ManagedEngine;
        if (engine is not (SpeechOptions.ManagedEngine or SpeechOptions.WhisperNetEngine))
        {
            throw new CommandLineException($"--engine must be {SpeechOptions.ManagedEngine} or {SpeechOptions.WhisperNetEngine}, not '{engine}'");
        }

        var threads = 0;
        if (arguments.Value("--threads") is { } threadsText
            && (!int.TryParse(threadsText, NumberStyles.None, CultureInfo.InvariantCulture, out threads) || threads < 1))
        {
            throw new CommandLineException($"--threads needs a positive whole number, not '{threadsText}'");
        }

        var language = arguments.Value("--language") ?? "ja";
        var samples = await ReadSamples16kHzAsync(arguments.Positionals[0]);
        if (engine == SpeechOptions.WhisperNetEngine)
        {
            return await RunWhisperNetAsync(modelPath, language, threads, samples, arguments.Has("--json"), output, error);
        }

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
            var json = JsonSerializer.SerializeToNode(transcription, CliJson.Options)!.AsObject();
            json.Insert(0, "recognizer", WhisperRecognizer.RecognizerName);
            await output.WriteLineAsync(json.ToJsonString(CliJson.Options));
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

    private static async Task<int> RunWhisperNetAsync(string modelPath, string language, int threads, float[] samples, bool json, TextWriter output, TextWriter error)
    {
        if (!File.Exists(modelPath))
        {
            throw new CommandLineException($"no model file at {modelPath}");
        }

        if (WhisperNetRuntime.Problem(directory: null) is { } problem)
        {
            throw new CommandLineException(problem);
        }

        WhisperNetTranscription transcription;
        using (var recognizer = new WhisperNetRecognizer(new WhisperOptions { ModelPath = modelPath, Language = language, Threads = threads }))
        {
            try
            {
                transcription = await recognizer.TranscribeAsync(samples, CancellationToken.None);
            }
            catch (SpeechRecognitionException exception)
            {
                throw new CommandLineException($"{modelPath}: {exception.Message}");
            }
        }

        if (json)
        {
            var node = JsonSerializer.SerializeToNode(transcription, CliJson.Options)!.AsObject();
            node.Insert(0, "recognizer", WhisperNetRecognizer.RecognizerName);
            await output.WriteLineAsync(node.ToJsonString(CliJson.Options));
        }
        else
        {
            await output.WriteLineAsync(transcription.Text);
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{transcription.Tokens.Count} tokens in {transcription.TotalMilliseconds:0} ms (Whisper.net)"));
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
