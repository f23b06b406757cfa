using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace Kisei.Web.Audio;

/// <summary>
/// Band-limited resampling of mono samples (Whisper and the syllable estimator work at 16 kHz): a Kaiser-windowed
/// sinc, evaluated as a polyphase filter bank, cut off at 90 % of the lower of the two Nyquist frequencies.
/// </summary>
/// <remarks>
/// Output sample k sits at input time k · fromHz / toHz, computed exactly in integers. With toHz / fromHz reduced
/// to L / M, there are L distinct fractional positions; up to <see cref="MaxPhases"/> of them get their own exact
/// filter, beyond that the position is rounded to the nearest of <see cref="MaxPhases"/> (an error below
/// 1/2048 of an input sample, under −55 dB even for the highest passband frequency). Samples before the start and
/// after the end count as zeros, and the filter is symmetric, so the output has no delay.
/// <para>
/// Kisei's own filter rather than NAudio's <c>WdlResampler</c>: every scream is resampled on its way to scoring,
/// and WdlResampler in sinc mode (128 taps, needed to keep a 9 kHz tone out of Whisper's band) took 56 ms for a
/// 30 s, 48 kHz clip where this filter takes 6, with more stopband (BENCHMARKS.md).
/// </para>
/// </remarks>
public static class Resampler
{
    /// <summary>Zero crossings of the sinc on each side: with the Kaiser window below, ≥ 80 dB stopband.</summary>
    private const int ZeroCrossings = 24;

    /// <summary>Kaiser β for roughly 85 dB of stopband attenuation.</summary>
    private const double KaiserBeta = 8.6;

    /// <summary>Cutoff as a fraction of the lower Nyquist frequency; the transition band ends just below it.</summary>
    private const double Rolloff = 0.9;

    private const int MaxPhases = 1024;

    /// <summary>The most downsampling allowed (192 kHz → 6 kHz); beyond it the filter bank grows needlessly large.</summary>
    private const int MaxDecimation = 32;

    /// <summary>Filter banks by rate pair; small, so that odd rates from hostile files cannot grow it without bound.</summary>
    private const int MaxCachedBanks = 16;

    private static readonly ConcurrentDictionary<(int FromHz, int ToHz), FilterBank> Banks = new();

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

        ResampleCore(input, GetBank(fromHz, toHz), destination[..length]);
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

    private static FilterBank GetBank(int fromHz, int toHz)
    {
        if (Banks.TryGetValue((fromHz, toHz), out var bank))
        {
            return bank;
        }

        bank = FilterBank.Design(fromHz, toHz);
        if (Banks.Count < MaxCachedBanks)
        {
            Banks.TryAdd((fromHz, toHz), bank);
        }

        return bank;
    }

    private static void ResampleCore(ReadOnlySpan<float> input, FilterBank bank, Span<float> destination)
    {
        var taps = bank.TapsPerPhase;
        var halfTaps = taps / 2;
        var coefficients = bank.Coefficients.AsSpan();
        for (var k = 0; k < destination.Length; k++)
        {
            // 1. Where output k falls in the input: whole sample n0 plus a fraction, as a phase.
            var position = (long)k * bank.Decimation;
            var n0 = position / bank.Interpolation;
            var remainder = position - (n0 * bank.Interpolation);
            var phase = bank.Phases == bank.Interpolation
                ? (int)remainder
                : (int)(((remainder * bank.Phases * 2) + bank.Interpolation) / (2L * bank.Interpolation));
            if (phase == bank.Phases)
            {
                n0++;
                phase = 0;
            }

            // 2. The taps cover inputs n0 − halfTaps + 1 … n0 + halfTaps; those outside the signal are zeros.
            var first = n0 - halfTaps + 1;
            var skip = (int)Math.Max(0, -first);
            var end = Math.Min(input.Length, first + taps);
            var count = (int)(end - first) - skip;
            destination[k] = count <= 0
                ? 0f
                : TensorPrimitives.Dot(input.Slice((int)(first + skip), count), coefficients.Slice((phase * taps) + skip, count));
        }
    }

    /// <summary>One filter per fractional position, each normalised to unit gain at DC.</summary>
    private sealed class FilterBank
    {
        private FilterBank(int interpolation, int decimation, int phases, int tapsPerPhase, float[] coefficients)
        {
            Interpolation = interpolation;
            Decimation = decimation;
            Phases = phases;
            TapsPerPhase = tapsPerPhase;
            Coefficients = coefficients;
        }

        /// <summary>L in toHz / fromHz = L / M.</summary>
        public int Interpolation { get; }

        /// <summary>M in toHz / fromHz = L / M.</summary>
        public int Decimation { get; }

        public int Phases { get; }

        public int TapsPerPhase { get; }

        /// <summary>Phase-major: phase p's taps are [p · TapsPerPhase, (p + 1) · TapsPerPhase).</summary>
        public float[] Coefficients { get; }

        public static FilterBank Design(int fromHz, int toHz)
        {
            var divisor = GreatestCommonDivisor(fromHz, toHz);
            var interpolation = toHz / divisor;
            var decimation = fromHz / divisor;
            var phases = Math.Min(interpolation, MaxPhases);

            // Cutoff in cycles per input sample, relative to the input Nyquist; the kernel spreads by 1 / cutoff.
            var cutoff = Math.Min(1.0, (double)toHz / fromHz) * Rolloff;
            var halfWidth = ZeroCrossings / cutoff;
            var halfTaps = (int)Math.Ceiling(halfWidth);
            var taps = 2 * halfTaps;
            var coefficients = new float[phases * taps];
            var kernel = new double[taps];
            var besselOfBeta = BesselI0(KaiserBeta);
            for (var phase = 0; phase < phases; phase++)
            {
                // Tap j multiplies input n0 − halfTaps + 1 + j, at distance τ = fraction + halfTaps − 1 − j from the output.
                var fraction = (double)phase / phases;
                var sum = 0.0;
                for (var j = 0; j < taps; j++)
                {
                    var tau = fraction + halfTaps - 1 - j;
                    var u = tau / halfWidth;
                    var window = Math.Abs(u) >= 1.0 ? 0.0 : BesselI0(KaiserBeta * Math.Sqrt(1.0 - (u * u))) / besselOfBeta;
                    kernel[j] = cutoff * Sinc(cutoff * tau) * window;
                    sum += kernel[j];
                }

                for (var j = 0; j < taps; j++)
                {
                    coefficients[(phase * taps) + j] = (float)(kernel[j] / sum);
                }
            }

            return new FilterBank(interpolation, decimation, phases, taps, coefficients);
        }

        private static double Sinc(double x) => Math.Abs(x) < 1e-12 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);

        /// <summary>The modified Bessel function of the first kind, order 0, by its power series.</summary>
        private static double BesselI0(double x)
        {
            var term = 1.0;
            var sum = 1.0;
            var quarterSquare = x * x / 4.0;
            for (var k = 1; k < 64 && term > sum * 1e-17; k++)
            {
                term *= quarterSquare / ((double)k * k);
                sum += term;
            }

            return sum;
        }

        private static int GreatestCommonDivisor(int a, int b)
        {
            while (b != 0)
            {
                (a, b) = (b, a % b);
            }

            return a;
        }
    }
}
