using NAudio.Dsp;

namespace Kisei.Web.Audio;

/// <summary>
/// Band-limited resampling of mono samples (Whisper and the syllable estimator work at 16 kHz), through
/// NAudio's <see cref="WdlResampler"/> in sinc mode.
/// </summary>
/// <remarks>
/// <para>
/// The sinc filter has <see cref="SincTaps"/> taps. NAudio's default of 64 rejects a 10 kHz tone in 48 kHz
/// audio by about 56 dB but lets 9 kHz through only 24 dB down (it folds to 7 kHz); 128 taps reject them by
/// about 110 and 69 dB, for 1.1–2.4 times the time (BENCHMARKS.md). The default, non-sinc mode rejects only
/// about 25 dB.
/// </para>
/// <para>
/// The resampler delays its output by half the filter and pads it in front, so output sample k sits at input
/// time k · fromHz / toHz. The input is fed in blocks, then zeros: samples after the end count as zeros, and the
/// output has <see cref="OutputLength"/> samples.
/// </para>
/// </remarks>
public static class Resampler
{
    private const int SincTaps = 128;

    /// <summary>How often the filter is tabulated between taps (NAudio's default).</summary>
    private const int SincOversampling = 32;

    /// <summary>Input fed per call: small enough to stay in cache, large enough to amortise each call.</summary>
    private const int BlockSamples = 16_384;

    /// <summary>The most downsampling allowed (192 kHz → 6 kHz); more is not audio Kisei reads.</summary>
    private const int MaxDecimation = 32;

    /// <summary>ceil(inputLength · toHz / fromHz): one output sample per output period that starts inside the input.</summary>
    public static int OutputLength(int inputLength, int fromHz, int toHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        ValidateRates(fromHz, toHz);
        var length = (((long)inputLength * toHz) + fromHz - 1) / fromHz;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(inputLength), "The resampled signal would be too long for one array.");
        }

        return (int)length;
    }

    /// <summary>Resamples <paramref name="input"/> into a new array of <see cref="OutputLength"/> samples.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, int fromHz, int toHz)
    {
        var output = new float[OutputLength(input.Length, fromHz, toHz)];
        Resample(input, fromHz, toHz, output);
        return output;
    }

    /// <summary>Writes <see cref="OutputLength"/> resampled samples to the start of <paramref name="destination"/>.</summary>
    public static void Resample(ReadOnlySpan<float> input, int fromHz, int toHz, Span<float> destination)
    {
        var length = OutputLength(input.Length, fromHz, toHz);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} samples; the output needs {length}.", nameof(destination));
        }

        if (fromHz == toHz)
        {
            input.CopyTo(destination);
            return;
        }

        ResampleCore(input, fromHz, toHz, destination[..length]);
    }

    private static void ValidateRates(int fromHz, int toHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromHz);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toHz);
        if (fromHz > (long)toHz * MaxDecimation)
        {
            throw new ArgumentOutOfRangeException(nameof(toHz), $"Resampling from {fromHz} Hz to {toHz} Hz divides the rate by more than {MaxDecimation}.");
        }
    }

    private static void ResampleCore(ReadOnlySpan<float> input, int fromHz, int toHz, Span<float> destination)
    {
        var resampler = new WdlResampler();
        resampler.SetMode(interp: true, filtercnt: 0, sinc: true, sinc_size: SincTaps, sinc_interpsize: SincOversampling);
        resampler.SetFeedMode(wantInputDriven: true);
        resampler.SetRates(fromHz, toHz);

        // 1. Feed the input a block at a time; the output trails it by half the filter.
        var written = 0;
        for (var start = 0; start < input.Length; start += BlockSamples)
        {
            var block = input.Slice(start, Math.Min(BlockSamples, input.Length - start));
            resampler.ResamplePrepare(block.Length, 1, out var buffer);
            block.CopyTo(buffer);
            written += resampler.ResampleOut(destination[written..], block.Length, destination.Length - written, 1);
        }

        // 2. Zeros after the end (they are what the filter sees there) bring out the rest. The resampler's own
        //    flush stops up to a sample short of ceil(n · toHz / fromHz).
        var remaining = destination.Length - written;
        if (remaining > 0)
        {
            var zeros = (2 * SincTaps) + (int)(((long)remaining * fromHz / toHz) + 2);
            var accepted = resampler.ResamplePrepare(zeros, 1, out var buffer);
            buffer[..accepted].Clear();
            written += resampler.ResampleOut(destination[written..], accepted, remaining, 1);
        }

        if (written < destination.Length)
        {
            throw new InvalidOperationException($"The resampler stopped {destination.Length - written} samples short of {destination.Length}.");
        }
    }
}
