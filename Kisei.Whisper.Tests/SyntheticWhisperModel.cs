using System.Buffers.Binary;
using System.Text;
using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

/// <summary>
/// Writes small Whisper models in whisper.cpp's legacy ggml layout with random weights, for tests: any width,
/// head and layer count, vocabulary size and weight type, and deliberate damage for the malformed-file tests.
/// The vocabulary is the reference model's: token i is the byte i for i &lt; 256, else the text "t&lt;i&gt; ".
/// </summary>
internal sealed record SyntheticWhisperModel
{
    public int VocabularySize { get; init; } = 51865;

    public int State { get; init; } = 32;

    public int AudioHeads { get; init; } = 2;

    public int AudioLayers { get; init; } = 1;

    public int TextHeads { get; init; } = 2;

    public int TextLayers { get; init; } = 1;

    /// <summary>A short text context keeps decoding quick: at most TextContext/2 − 4 tokens per window.</summary>
    public int TextContext { get; init; } = 48;

    public int MelBands { get; init; } = 80;

    /// <summary>The ftype written in the header (0 f32, 1 f16, 2 q4_0, 3 q4_1, 7 q8_0, 8 q5_0, 9 q5_1).</summary>
    public int FileType { get; init; } = 1;

    public int Seed { get; init; } = 1;

    /// <summary>Standard deviation of the random weights.</summary>
    public float WeightScale { get; init; } = 0.5f;

    public uint Magic { get; init; } = GgmlModel.Magic;

    /// <summary>A tensor left out of the file.</summary>
    public string? OmitTensor { get; init; }

    /// <summary>A tensor written with other dimensions.</summary>
    public (string Name, int[] Dimensions)? Reshape { get; init; }

    /// <summary>A tensor written with another type id (its data sized for that type when the type is known).</summary>
    public (string Name, int TypeId)? Retype { get; init; }

    /// <summary>Changes a tensor's random values (by name) before they are written.</summary>
    public Action<string, float[]>? Adjust { get; init; }

    public WhisperHyperparameters Hyperparameters => new(
        VocabularySize, 1500, State, AudioHeads, AudioLayers, TextContext, State, TextHeads, TextLayers, MelBands, FileType);

    /// <summary>The type that the ftype gives 2-D weights.</summary>
    public static GgmlType MatrixTypeOf(int fileType) => fileType switch
    {
        0 => GgmlType.F32,
        2 => GgmlType.Q4_0,
        3 => GgmlType.Q4_1,
        7 => GgmlType.Q8_0,
        8 => GgmlType.Q5_0,
        9 => GgmlType.Q5_1,
        _ => GgmlType.F16,
    };

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Write(stream);
        return stream.ToArray();
    }

    public string WriteTo(string directory)
    {
        var path = Path.Combine(directory, $"synthetic-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, ToBytes());
        return path;
    }

    public void Write(Stream stream)
    {
        var random = new Random(Seed);
        var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        var hp = Hyperparameters;
        foreach (var value in new[] { hp.VocabularySize, hp.AudioContext, hp.AudioState, hp.AudioHeads, hp.AudioLayers, hp.TextContext, hp.TextState, hp.TextHeads, hp.TextLayers, hp.MelBands, hp.FileType })
        {
            writer.Write(value);
        }

        writer.Write(MelBands);
        writer.Write(GgmlModel.FftBins);
        foreach (var weight in MelFilterBank(MelBands))
        {
            writer.Write(weight);
        }

        var textTokens = VocabularySize > Vocabulary.EnglishOnlySize ? 50257 : 50256;
        writer.Write(textTokens);
        for (var i = 0; i < textTokens; i++)
        {
            var bytes = i < 256 ? [(byte)i] : Encoding.ASCII.GetBytes($"t{i} ");
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }

        // Without a known ftype the tensor list cannot be derived; write the f16 list so the header is what fails.
        var listing = hp with { FileType = hp.FileType % 1000 };
        listing = listing.MatrixType is null ? listing with { FileType = 1 } : listing;
        foreach (var (name, expectedDimensions, expectedType) in GgmlModel.ExpectedTensors(listing))
        {
            if (name == OmitTensor)
            {
                continue;
            }

            var dimensions = Reshape is { } reshape && reshape.Name == name ? reshape.Dimensions : expectedDimensions;
            var typeId = Retype is { } retype && retype.Name == name ? retype.TypeId : (int)expectedType;
            writer.Write(dimensions.Length);
            var nameBytes = Encoding.UTF8.GetBytes(name);
            writer.Write(nameBytes.Length);
            writer.Write(typeId);
            foreach (var dimension in dimensions)
            {
                writer.Write(dimension);
            }

            writer.Write(nameBytes);
            var count = dimensions.Aggregate(1L, (a, b) => a * b);
            var values = new float[count];
            var scale = name.EndsWith(".bias", StringComparison.Ordinal) ? 0.1f : name.EndsWith("ln.weight", StringComparison.Ordinal) || name.EndsWith("ln_post.weight", StringComparison.Ordinal) ? 0f : WeightScale;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = scale == 0f ? 1f + (0.1f * Gaussian(random)) : scale * Gaussian(random);
            }

            Adjust?.Invoke(name, values);

            var type = GgmlTypes.IsSupported(typeId) ? (GgmlType)typeId : GgmlType.F32;
            writer.Write(Encode(type, values, dimensions[0]));
        }

        writer.Flush();
    }

    /// <summary>
    /// A model whose greedy decoding is scripted by position, so that its windows end: the decoder's residual stream
    /// is dominated by a large positional embedding (the blocks' weights are tiny), position p carrying the sign
    /// pattern of a Walsh–Hadamard row, and the token embedding gives text token <c>1000 + k</c> the row of
    /// pattern k. Step s of a window (its logits read at position 3 + s, after the 4-token prompt) therefore samples
    /// token <c>1000 + (s mod <paramref name="cycle"/>)</c>, until step <paramref name="endStep"/> samples
    /// end-of-text (whose row is the pattern of every later position). With a width of 64 there are 62 patterns.
    /// </summary>
    public static SyntheticWhisperModel Scripted(int cycle, int endStep, int textContext = 128) => new()
    {
        State = 64,
        TextContext = textContext,
        FileType = 1,
        WeightScale = 0.01f,
        Seed = 40 + cycle + endStep,
        Adjust = (name, values) =>
        {
            const int Width = 64, EndPattern = 63;
            var promptEnd = 3;
            switch (name)
            {
                case "decoder.positional_embedding":
                    for (var position = 0; position < values.Length / Width; position++)
                    {
                        var step = position - promptEnd;
                        var pattern = step >= endStep ? EndPattern : 1 + (((step % cycle) + cycle) % cycle);
                        for (var j = 0; j < Width; j++)
                        {
                            values[(position * Width) + j] = 30f * Hadamard(pattern, j);
                        }
                    }

                    break;
                case "decoder.token_embedding.weight":
                    for (var k = 0; k < cycle; k++)
                    {
                        for (var j = 0; j < Width; j++)
                        {
                            values[((1000 + k) * Width) + j] = 2f * Hadamard(1 + k, j);
                        }
                    }

                    for (var j = 0; j < Width; j++)
                    {
                        values[(50257 * Width) + j] = 2f * Hadamard(EndPattern, j);
                    }

                    break;
                case "decoder.ln.weight":
                    Array.Fill(values, 1f);
                    break;
                case "decoder.ln.bias":
                    Array.Fill(values, 0f);
                    break;
            }
        },
    };

    /// <summary>Entry (row, column) of the 64×64 Sylvester–Hadamard matrix: ±1, rows orthogonal, rows after 0 of zero mean.</summary>
    private static float Hadamard(int row, int column) => int.PopCount(row & column) % 2 == 0 ? 1f : -1f;

    /// <summary>Triangular filters on the mel scale over 201 bins of a 400-point FFT at 16 kHz.</summary>
    public static float[] MelFilterBank(int bands)
    {
        static double Mel(double hz) => 2595 * Math.Log10(1 + (hz / 700));
        static double Hz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);
        var filters = new float[bands * GgmlModel.FftBins];
        var top = Mel(8000);
        for (var b = 0; b < bands; b++)
        {
            var left = Hz(top * b / (bands + 1));
            var center = Hz(top * (b + 1) / (bands + 1));
            var right = Hz(top * (b + 2) / (bands + 1));
            for (var k = 0; k < GgmlModel.FftBins; k++)
            {
                var hz = k * 16000.0 / 400;
                var weight = hz <= left || hz >= right ? 0 : hz <= center ? (hz - left) / (center - left) : (right - hz) / (right - center);
                filters[(b * GgmlModel.FftBins) + k] = (float)(weight * 2 / (right - left));
            }
        }

        return filters;
    }

    /// <summary>Stores values as a ggml type, row by row (rows of <paramref name="rowLength"/>).</summary>
    public static byte[] Encode(GgmlType type, float[] values, int rowLength)
    {
        switch (type)
        {
            case GgmlType.F32:
            {
                var bytes = new byte[values.Length * 4];
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
                }

                return bytes;
            }

            case GgmlType.F16:
            {
                var bytes = new byte[values.Length * 2];
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]);
                }

                return bytes;
            }

            default:
            {
                if (rowLength % 32 != 0)
                {
                    // A quantized type cannot hold this row; write the bytes a loader would expect to find anyway.
                    return new byte[values.Length / 32 * GgmlTypes.BlockBytes(type)];
                }

                var output = new List<byte>();
                for (var block = 0; block < values.Length / 32; block++)
                {
                    output.AddRange(Quantize(type, values.AsSpan(block * 32, 32)));
                }

                return [.. output];
            }
        }
    }

    /// <summary>One block of 32 values in a quantized layout (ggml-common.h), rounding to the nearest level.</summary>
    public static byte[] Quantize(GgmlType type, ReadOnlySpan<float> block)
    {
        var bytes = new byte[GgmlTypes.BlockBytes(type)];
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        var absMax = 0f;
        foreach (var v in block)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            absMax = Math.Max(absMax, Math.Abs(v));
        }

        switch (type)
        {
            case GgmlType.Q8_0:
            {
                var d = absMax / 127;
                BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)d);
                for (var i = 0; i < 32; i++)
                {
                    bytes[2 + i] = (byte)(sbyte)Math.Clamp(d == 0 ? 0 : (int)MathF.Round(block[i] / d), -127, 127);
                }

                break;
            }

            case GgmlType.Q4_0:
            case GgmlType.Q5_0:
            {
                var levels = type == GgmlType.Q4_0 ? 8 : 16;
                var d = absMax / levels;
                BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)d);
                var q = new int[32];
                for (var i = 0; i < 32; i++)
                {
                    q[i] = Math.Clamp((d == 0 ? 0 : (int)MathF.Round(block[i] / d)) + levels, 0, (2 * levels) - 1);
                }

                PackNibbles(type, bytes, q);
                break;
            }

            default:
            {
                var levels = type == GgmlType.Q4_1 ? 15 : 31;
                var d = (max - min) / levels;
                BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)d);
                BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2), (Half)min);
                var q = new int[32];
                for (var i = 0; i < 32; i++)
                {
                    q[i] = Math.Clamp(d == 0 ? 0 : (int)MathF.Round((block[i] - min) / d), 0, levels);
                }

                PackNibbles(type, bytes, q);
                break;
            }
        }

        return bytes;
    }

    private static void PackNibbles(GgmlType type, byte[] bytes, int[] q)
    {
        // Element j and j + 16 share byte j (low and high nibble); the fifth bits go to a 32-bit word.
        var offset = type switch { GgmlType.Q4_0 => 2, GgmlType.Q4_1 => 4, GgmlType.Q5_0 => 6, _ => 8 };
        uint high = 0;
        for (var j = 0; j < 16; j++)
        {
            bytes[offset + j] = (byte)((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
            high |= (uint)((q[j] >> 4) & 1) << j;
            high |= (uint)((q[j + 16] >> 4) & 1) << (j + 16);
        }

        if (type is GgmlType.Q5_0 or GgmlType.Q5_1)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset - 4), high);
        }
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
