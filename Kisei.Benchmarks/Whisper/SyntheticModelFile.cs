using System.Text;
using Kisei.Whisper;

namespace Kisei.Benchmarks.Whisper;

/// <summary>
/// Writes a Whisper-shaped ggml f16 model with random weights, so that Kisei and whisper.cpp can be timed on the
/// same file without downloading a real model. Weight magnitudes are kept small enough that f16 activations do
/// not overflow. The mel filters are copied from another model file when one is given (the shared synthetic model
/// has real Slaney filters), else triangular filters are used.
/// </summary>
internal static class SyntheticModelFile
{
    public static WhisperHyperparameters Shape(string name) => name switch
    {
        "tiny" => new(51865, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1),
        "base" => new(51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1),
        "small" => new(51865, 1500, 768, 12, 12, 448, 768, 12, 12, 80, 1),
        _ => throw new ArgumentException($"Unknown shape '{name}': use tiny, base or small.", nameof(name)),
    };

    public static void Write(string path, WhisperHyperparameters hp, string? filtersFrom, int seed = 1)
    {
        var random = new Random(seed);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(GgmlModel.Magic);
        foreach (var value in new[] { hp.VocabularySize, hp.AudioContext, hp.AudioState, hp.AudioHeads, hp.AudioLayers, hp.TextContext, hp.TextState, hp.TextHeads, hp.TextLayers, hp.MelBands, hp.FileType })
        {
            writer.Write(value);
        }

        var filters = filtersFrom is null ? TriangularFilters(hp.MelBands) : GgmlModel.Load(filtersFrom).MelFilters.ToArray();
        writer.Write(hp.MelBands);
        writer.Write(GgmlModel.FftBins);
        foreach (var weight in filters)
        {
            writer.Write(weight);
        }

        var textTokens = hp.VocabularySize > Vocabulary.EnglishOnlySize ? 50257 : 50256;
        writer.Write(textTokens);
        for (var i = 0; i < textTokens; i++)
        {
            var bytes = i < 256 ? [(byte)i] : Encoding.ASCII.GetBytes($"t{i} ");
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }

        foreach (var (name, dimensions, type) in GgmlModel.ExpectedTensors(hp))
        {
            writer.Write(dimensions.Length);
            var nameBytes = Encoding.UTF8.GetBytes(name);
            writer.Write(nameBytes.Length);
            writer.Write((int)type);
            foreach (var dimension in dimensions)
            {
                writer.Write(dimension);
            }

            writer.Write(nameBytes);
            var count = dimensions.Aggregate(1L, (a, b) => a * b);
            var isNormWeight = name.EndsWith("ln.weight", StringComparison.Ordinal) || name.EndsWith("ln_post.weight", StringComparison.Ordinal);
            var scale = name.EndsWith(".bias", StringComparison.Ordinal) ? 0.02f
                : name.Contains("embedding", StringComparison.Ordinal) ? 0.5f
                : 1f / MathF.Sqrt(dimensions[0]);
            for (long i = 0; i < count; i++)
            {
                var value = isNormWeight ? 1f + (0.1f * Gaussian(random)) : scale * Gaussian(random);
                if (type == GgmlType.F16)
                {
                    writer.Write((Half)value);
                }
                else
                {
                    writer.Write(value);
                }
            }
        }
    }

    private static float[] TriangularFilters(int bands)
    {
        static double Mel(double hz) => 2595 * Math.Log10(1 + (hz / 700));
        static double Hz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);
        var filters = new float[bands * GgmlModel.FftBins];
        var top = Mel(8000);
        for (var b = 0; b < bands; b++)
        {
            var (left, center, right) = (Hz(top * b / (bands + 1)), Hz(top * (b + 1) / (bands + 1)), Hz(top * (b + 2) / (bands + 1)));
            for (var k = 0; k < GgmlModel.FftBins; k++)
            {
                var hz = k * 40.0;
                var weight = hz <= left || hz >= right ? 0 : hz <= center ? (hz - left) / (center - left) : (right - hz) / (right - center);
                filters[(b * GgmlModel.FftBins) + k] = (float)(weight * 2 / (right - left));
            }
        }

        return filters;
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
