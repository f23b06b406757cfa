using System.Text.Json;
using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Speech.Whisper;

/// <summary>
/// The reference data in TestData/whisper-reference (see its README): a synthetic f16 model, four clips and
/// the tokens whisper.cpp decodes from them.
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
        var folder = Path.Combine(AppContext.BaseDirectory, "TestData", "whisper-reference");
        return File.Exists(Path.Combine(folder, ModelFile))
            ? folder
            : throw new InvalidOperationException($"The Whisper reference data is missing: expected {ModelFile} in {folder}.");
    }
}
