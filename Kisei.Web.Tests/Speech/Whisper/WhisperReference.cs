using System.Buffers.Binary;
using System.Text.Json;

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

    /// <summary>
    /// A minimal reader for the clips (16-bit PCM, mono, 16 kHz). The app's own WAV reader lives in Kisei.Web/Audio;
    /// this one only has to read these four files.
    /// </summary>
    public static float[] ReadClip(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Directory, name));
        if (bytes.Length < 12 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != 0x52494646 || BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)) != 0x57415645)
        {
            throw new InvalidDataException($"{name} is not a RIFF/WAVE file.");
        }

        var position = 12;
        var format = false;
        while (position + 8 <= bytes.Length)
        {
            var id = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position));
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position + 4));
            var body = bytes.AsSpan(position + 8, Math.Min(size, bytes.Length - position - 8));
            if (id == 0x666d7420)
            {
                var pcm = BinaryPrimitives.ReadUInt16LittleEndian(body) == 1;
                var channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                var rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                var bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                format = pcm && channels == 1 && rate == 16000 && bits == 16;
            }
            else if (id == 0x64617461)
            {
                if (!format)
                {
                    throw new InvalidDataException($"{name} is not 16-bit mono 16 kHz PCM.");
                }

                var samples = new float[body.Length / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body[(2 * i)..]) / 32768f;
                }

                return samples;
            }

            position += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{name} has no data chunk.");
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
