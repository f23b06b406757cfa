using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Kisei.Whisper.Tests;

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

    /// <summary>
    /// The clips joined into one of 36.4 s, in the order the file lists, and the tokens whisper.cpp decoded from
    /// each of its two 30 s windows.
    /// </summary>
    public static (float[] Samples, int[][] Windows) Joined()
    {
        using var stream = File.OpenRead(Path.Combine(Directory, "expected-tokens-joined.json"));
        var joined = JsonSerializer.Deserialize<JoinedReference>(stream, WebJson)
            ?? throw new InvalidDataException("expected-tokens-joined.json is empty.");
        return ([.. joined.Clips.SelectMany(ReadClip)], joined.Windows);
    }

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private sealed record JoinedReference(string[] Clips, int[][] Windows);

    /// <summary>
    /// A clip's samples: the clips are 16 kHz mono 16-bit PCM WAV files, read here chunk by chunk so that the engine's
    /// tests need no audio library.
    /// </summary>
    public static float[] ReadClip(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Directory, name));
        if (bytes.Length < 12 || Encoding.ASCII.GetString(bytes, 0, 4) != "RIFF" || Encoding.ASCII.GetString(bytes, 8, 4) != "WAVE")
        {
            throw new InvalidDataException($"{name} is not a WAV file.");
        }

        var format = false;
        for (var at = 12; at + 8 <= bytes.Length;)
        {
            var id = Encoding.ASCII.GetString(bytes, at, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4));
            var body = bytes.AsSpan(at + 8, Math.Min(size, bytes.Length - at - 8));
            if (id == "fmt ")
            {
                format = BinaryPrimitives.ReadInt16LittleEndian(body) == 1 && BinaryPrimitives.ReadInt16LittleEndian(body[2..]) == 1
                    && BinaryPrimitives.ReadInt32LittleEndian(body[4..]) == 16_000 && BinaryPrimitives.ReadInt16LittleEndian(body[14..]) == 16;
            }
            else if (id == "data" && format)
            {
                var samples = new float[body.Length / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body[(2 * i)..]) / 32768f;
                }

                return samples;
            }

            at += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{name} is not 16 kHz mono 16-bit PCM.");
    }

    private static string Locate()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestData", "whisper-reference");
        return File.Exists(Path.Combine(folder, ModelFile))
            ? folder
            : throw new InvalidOperationException($"The Whisper reference data is missing: expected {ModelFile} in {folder}.");
    }
}
