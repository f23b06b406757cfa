using System.Text.Json;
using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Speech.Whisper;

/// <summary>
/// The shared reference data (../shared/whisper-reference/ next to the repository, or KISEI_WHISPER_REFERENCE):
/// a synthetic f16 model, four clips and the tokens whisper.cpp decodes from them.
/// </summary>
internal static class WhisperReference
{
    public const string ModelFile = "synthetic-whisper-64.bin";

    public static readonly string[] Clips = ["clip-chirp.wav", "clip-scream.wav", "clip-speech-en.wav", "clip-tone.wav"];

    private static readonly Lazy<string> Folder = new(Locate);

    public static string Directory => Folder.Value;

    public static string ModelPath => Path.Combine(Directory, ModelFile);

    public static IReadOnlyDictionary<string, int[]> ExpectedTokens()
    {
        using var stream = File.OpenRead(Path.Combine(Directory, "expected-tokens.json"));
        return JsonSerializer.Deserialize<Dictionary<string, int[]>>(stream)
            ?? throw new InvalidDataException("expected-tokens.json is empty.");
    }

    /// <summary>A clip's samples (16 kHz mono 16-bit PCM), read with the app's own WAV reader.</summary>
    public static float[] ReadClip(string name)
    {
        var audio = WavReader.Read(File.ReadAllBytes(Path.Combine(Directory, name)));
        if (audio.SampleRateHz != 16_000 || audio.Channels != 1)
        {
            throw new InvalidDataException($"{name} is not mono 16 kHz audio.");
        }

        return audio.Mono;
    }

    private static string Locate()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Kisei.sln")))
            {
                var shared = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "whisper-reference"));
                if (File.Exists(Path.Combine(shared, ModelFile)))
                {
                    return shared;
                }

                break;
            }
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("KISEI_WHISPER_REFERENCE");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, ModelFile)))
        {
            return fromEnvironment;
        }

        throw new InvalidOperationException(
            "The Whisper reference data was not found: expected ../shared/whisper-reference/ beside the folder holding Kisei.sln, " +
            "or a folder named by the KISEI_WHISPER_REFERENCE environment variable, containing " + ModelFile + ".");
    }
}
