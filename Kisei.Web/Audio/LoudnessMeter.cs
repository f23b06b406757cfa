using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Kisei.Web.Audio;

/// <summary>The loudness of a clip (docs/design.md §1.1 step 2).</summary>
/// <param name="MeanRms">The mean of the frame RMS values.</param>
/// <param name="Loudness">X = min(1, Σ(rms_i · √2) / (0.85 · frames)).</param>
/// <param name="FrameCount">1 + n / 512, integer division.</param>
public readonly record struct LoudnessMeasurement(double MeanRms, double Loudness, int FrameCount);

/// <summary>
/// Frame RMS as <c>librosa.feature.rms</c> computes it with its defaults, which the original app used:
/// frames of 2048 samples every 512, centred by padding 1024 zeros on each side, RMS = sqrt(mean(x²))
/// over the whole 2048-sample window (docs/design.md §1.1 step 2: zeros, whatever librosa's padding mode).
/// </summary>
/// <remarks>
/// The hop divides the frame, so each frame is four consecutive 512-sample blocks of the padded signal, and
/// the padding is itself two blocks. Each block's sum of squares is computed once, in double, and every frame
/// adds four of them: O(n), and as accurate as summing each frame directly.
/// </remarks>
public static class LoudnessMeter
{
    public const int FrameLength = 2048;
    public const int HopLength = 512;

    private const int BlocksPerFrame = FrameLength / HopLength;

    /// <summary>The original's scale: X = mean_rms · √2 / 0.85, so a full-scale sine scores 1 / 0.85 before the cap.</summary>
    private static readonly double LoudnessPerRms = Math.Sqrt(2.0) / 0.85;

    /// <summary>1 + samples / 512: the frames librosa's centred framing yields.</summary>
    public static int FrameCount(int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        return 1 + (samples / HopLength);
    }

    /// <summary>Measures mono samples in [-1, 1] at the file's own rate.</summary>
    public static LoudnessMeasurement Measure(ReadOnlySpan<float> mono)
    {
        var frames = FrameCount(mono.Length);
        var sumOfRms = 0.0;
        var blocks = new BlockWindow(mono);
        for (var frame = 0; frame < frames; frame++)
        {
            sumOfRms += Math.Sqrt(blocks.FrameSumOfSquares / FrameLength);
            blocks.Advance();
        }

        var meanRms = sumOfRms / frames;
        return new LoudnessMeasurement(meanRms, Math.Min(1.0, meanRms * LoudnessPerRms), frames);
    }

    /// <summary>Writes the RMS of each of the <see cref="FrameCount"/> frames to <paramref name="destination"/>.</summary>
    public static void FrameRms(ReadOnlySpan<float> mono, Span<float> destination)
    {
        var frames = FrameCount(mono.Length);
        if (destination.Length < frames)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; {frames} frames need {frames}.", nameof(destination));
        }

        FrameRmsCore(mono, destination[..frames]);
    }

    private static void FrameRmsCore(ReadOnlySpan<float> mono, Span<float> destination)
    {
        var blocks = new BlockWindow(mono);
        for (var frame = 0; frame < destination.Length; frame++)
        {
            destination[frame] = (float)Math.Sqrt(blocks.FrameSumOfSquares / FrameLength);
            blocks.Advance();
        }
    }

    /// <summary>Sum of squares in double; squares of floats are exact in double, so only the additions round.</summary>
    internal static double SumOfSquares(ReadOnlySpan<float> x)
    {
        ref var source = ref MemoryMarshal.GetReference(x);
        var i = 0;
        var sum = 0.0;
        if (Vector512.IsHardwareAccelerated && x.Length >= Vector512<float>.Count)
        {
            var accumulator0 = Vector512<double>.Zero;
            var accumulator1 = Vector512<double>.Zero;
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref source, (nuint)i));
                accumulator0 += lower * lower;
                accumulator1 += upper * upper;
            }

            sum = Vector512.Sum(accumulator0 + accumulator1);
        }
        else if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            var accumulator0 = Vector256<double>.Zero;
            var accumulator1 = Vector256<double>.Zero;
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
                accumulator0 += lower * lower;
                accumulator1 += upper * upper;
            }

            sum = Vector256.Sum(accumulator0 + accumulator1);
        }

        for (; i < x.Length; i++)
        {
            sum += (double)x[i] * x[i];
        }

        return sum;
    }

    /// <summary>
    /// The four 512-sample blocks under the current frame. Frame i covers samples [512·i − 1024, 512·i + 1024),
    /// that is blocks i − 2 … i + 1 of the unpadded signal; blocks outside it are the zero padding.
    /// </summary>
    private ref struct BlockWindow
    {
        private readonly ReadOnlySpan<float> samples;
        private int nextBlock;
        private double block0;
        private double block1;
        private double block2;
        private double block3;

        public BlockWindow(ReadOnlySpan<float> samples)
        {
            this.samples = samples;
            block2 = Block(0);
            block3 = Block(1);
            nextBlock = BlocksPerFrame - 2;
        }

        public readonly double FrameSumOfSquares => block0 + block1 + block2 + block3;

        public void Advance()
        {
            block0 = block1;
            block1 = block2;
            block2 = block3;
            block3 = Block(nextBlock++);
        }

        private readonly double Block(int index)
        {
            var start = (long)index * HopLength;
            if (start >= samples.Length)
            {
                return 0.0;
            }

            var length = (int)Math.Min(HopLength, samples.Length - start);
            return SumOfSquares(samples.Slice((int)start, length));
        }
    }
}
