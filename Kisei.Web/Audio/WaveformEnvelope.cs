using System.Numerics.Tensors;

namespace Kisei.Web.Audio;

/// <summary>
/// The outline of a clip for the result page's SVG plot: the lowest and highest sample in each of a fixed
/// number of equal buckets.
/// </summary>
/// <param name="Min">The lowest sample of each bucket.</param>
/// <param name="Max">The highest sample of each bucket.</param>
public sealed record WaveformEnvelope(float[] Min, float[] Max)
{
    /// <summary>Enough points for a page-wide plot.</summary>
    public const int DefaultPoints = 200;

    /// <summary>The envelope of <paramref name="mono"/> in <paramref name="points"/> buckets.</summary>
    public static WaveformEnvelope Compute(ReadOnlySpan<float> mono, int points = DefaultPoints)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        var min = new float[points];
        var max = new float[points];
        ComputeCore(mono, min, max);
        return new WaveformEnvelope(min, max);
    }

    /// <summary>Writes one bucket per element of <paramref name="min"/> and <paramref name="max"/>, which must be the same length.</summary>
    public static void Compute(ReadOnlySpan<float> mono, Span<float> min, Span<float> max)
    {
        if (min.Length != max.Length)
        {
            throw new ArgumentException($"The minimum and maximum buffers differ in length ({min.Length} and {max.Length}).", nameof(max));
        }

        ComputeCore(mono, min, max);
    }

    /// <summary>
    /// Bucket b covers samples [b·n/points, (b+1)·n/points), widened to at least one sample, so that a clip shorter
    /// than the plot repeats samples rather than leaving gaps. An empty clip is flat at zero.
    /// </summary>
    private static void ComputeCore(ReadOnlySpan<float> mono, Span<float> min, Span<float> max)
    {
        var points = min.Length;
        if (mono.IsEmpty)
        {
            min.Clear();
            max.Clear();
            return;
        }

        for (var bucket = 0; bucket < points; bucket++)
        {
            var start = (int)((long)bucket * mono.Length / points);
            var end = (int)((long)(bucket + 1) * mono.Length / points);
            var bucketSamples = mono[start..Math.Max(end, start + 1)];
            min[bucket] = TensorPrimitives.Min(bucketSamples);
            max[bucket] = TensorPrimitives.Max(bucketSamples);
        }
    }
}
