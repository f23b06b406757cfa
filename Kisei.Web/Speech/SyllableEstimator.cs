using System.Numerics.Tensors;

namespace Kisei.Web.Speech;

/// <summary>What the syllable estimator found in a clip.</summary>
/// <param name="NucleusTimesSeconds">The time of each syllable nucleus, in order.</param>
/// <param name="DurationSeconds">The clip's length.</param>
public sealed record SyllableAnalysis(IReadOnlyList<double> NucleusTimesSeconds, double DurationSeconds)
{
    /// <summary>r when no Whisper model is available (docs/design.md §4).</summary>
    public int Nuclei => NucleusTimesSeconds.Count;

    public double NucleiPerSecond => DurationSeconds > 0 ? Nuclei / DurationSeconds : 0.0;
}

/// <summary>
/// Counts syllable nuclei in the manner of de Jong &amp; Wempe (2009), "Praat script to detect syllable nuclei and
/// measure speech rate automatically" (docs/design.md §4): peaks of the intensity contour that rise and fall by at least
/// <see cref="MinDipDb"/> against the dips around them, that are loud enough relative to the clip, that are voiced,
/// and that are at least <see cref="MinSpacingSeconds"/> apart.
/// </summary>
/// <remarks>
/// Speech alternates vowels (loud, voiced) with consonants and pauses (quieter), about 4–7 times a second.
/// A sustained scream is loud and voiced too, but its intensity has no dips, so it yields at most one nucleus;
/// noise has dips but no periodicity; silence has neither. The edges of the clip count as dips, so a clip that
/// is one long sound is one nucleus. Everything is deterministic: no randomness, no dependence on threads.
/// </remarks>
public static class SyllableEstimator
{
    /// <summary>Intensity frames every 10 ms.</summary>
    public const double HopSeconds = 0.010;

    /// <summary>A 40 ms Hann window: long enough to smooth over a 75 Hz pitch period, short enough to keep syllables apart.</summary>
    public const double WindowSeconds = 0.040;

    /// <summary>
    /// How far a peak must stand above the dips on both sides. De Jong &amp; Wempe use 2 dB; 3 dB leaves synthesised
    /// speech counts unchanged and ignores the tremolo (up to ±15 % amplitude) that comes with a sung or screamed vibrato.
    /// </summary>
    public const double MinDipDb = 3.0;

    /// <summary>Peaks quieter than the clip's 99th-percentile intensity minus this are pauses or breath (de Jong &amp; Wempe: −25 dB).</summary>
    public const double SilenceDb = 25.0;

    /// <summary>Below −60 dBFS nothing counts, however quiet the rest of the clip is.</summary>
    public const double AbsoluteFloorDb = -60.0;

    /// <summary>Nuclei closer than this are one syllable; the louder one stands for it.</summary>
    public const double MinSpacingSeconds = 0.080;

    /// <summary>The pitch range searched for voicing, wide enough for low speech and high speech.</summary>
    public const double MinPitchHz = 75.0;

    public const double MaxPitchHz = 600.0;

    /// <summary>A normalised autocorrelation this high at some lag in the pitch range means voiced (Praat uses 0.45).</summary>
    public const double VoicingThreshold = 0.5;

    private const double FloorDb = -200.0;

    /// <summary>Counts the nuclei in mono samples in [-1, 1].</summary>
    public static int CountNuclei(ReadOnlySpan<float> samples, int sampleRateHz) => Analyse(samples, sampleRateHz).Nuclei;

    /// <summary>Finds the nuclei in mono samples in [-1, 1] at <paramref name="sampleRateHz"/> (16 kHz in the pipeline).</summary>
    public static SyllableAnalysis Analyse(ReadOnlySpan<float> samples, int sampleRateHz)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRateHz, 4_000);
        var durationSeconds = (double)samples.Length / sampleRateHz;
        if (samples.IsEmpty)
        {
            return new SyllableAnalysis([], 0.0);
        }

        // 1. The intensity contour in dB, one value per hop.
        var hop = Math.Max(1, (int)Math.Round(HopSeconds * sampleRateHz));
        var contour = IntensityContour(samples, sampleRateHz, hop);

        // 2. The loudness a peak must reach.
        var thresholdDb = Math.Max(AbsoluteFloorDb, Percentile(contour, 0.99) - SilenceDb);

        // 3. Peaks between dips, then 4. voiced, then 5. spaced.
        var voicing = new VoicingDetector(samples, sampleRateHz);
        var minSpacingFrames = MinSpacingSeconds / HopSeconds;
        var nuclei = new List<(int Frame, double Db)>();
        foreach (var (frame, db) in ProminentPeaks(contour))
        {
            if (db < thresholdDb || !voicing.IsVoiced(frame * hop))
            {
                continue;
            }

            if (nuclei.Count > 0 && frame - nuclei[^1].Frame < minSpacingFrames)
            {
                if (db > nuclei[^1].Db)
                {
                    nuclei[^1] = (frame, db);
                }

                continue;
            }

            nuclei.Add((frame, db));
        }

        var times = nuclei.Select(n => Math.Min(durationSeconds, n.Frame * hop / (double)sampleRateHz)).ToArray();
        return new SyllableAnalysis(times, durationSeconds);
    }

    /// <summary>
    /// Mean square under a Hann window centred on each hop (samples beyond the ends are zeros), in dB re full scale.
    /// </summary>
    private static double[] IntensityContour(ReadOnlySpan<float> samples, int sampleRateHz, int hop)
    {
        var windowLength = Math.Max(2, (int)Math.Round(WindowSeconds * sampleRateHz));
        var window = new float[windowLength];
        for (var i = 0; i < windowLength; i++)
        {
            window[i] = (float)(0.5 - (0.5 * Math.Cos(2.0 * Math.PI * (i + 0.5) / windowLength)));
        }

        var windowSum = TensorPrimitives.Sum<float>(window);
        var squares = new float[samples.Length];
        TensorPrimitives.Multiply(samples, samples, squares);

        var frames = 1 + ((samples.Length - 1) / hop);
        var contour = new double[frames];
        var half = windowLength / 2;
        for (var frame = 0; frame < frames; frame++)
        {
            var start = (frame * hop) - half;
            var first = Math.Max(0, start);
            var end = Math.Min(samples.Length, start + windowLength);
            var energy = end <= first
                ? 0.0
                : TensorPrimitives.Dot(squares.AsSpan(first, end - first), window.AsSpan(first - start, end - first)) / windowSum;
            contour[frame] = energy > 0 ? Math.Max(FloorDb, 10.0 * Math.Log10(energy)) : FloorDb;
        }

        return contour;
    }

    /// <summary>
    /// Peaks that rise at least <see cref="MinDipDb"/> above the dip before them and fall at least as far into the
    /// dip after them, with the clip's edges counting as bottomless dips: hysteresis peak picking.
    /// </summary>
    private static List<(int Frame, double Db)> ProminentPeaks(double[] contour)
    {
        var peaks = new List<(int, double)>();
        var lookingForPeak = true;
        var maxDb = double.NegativeInfinity;
        var maxFrame = 0;
        var minDb = double.PositiveInfinity;
        for (var frame = 0; frame < contour.Length; frame++)
        {
            var db = contour[frame];
            if (lookingForPeak)
            {
                if (db > maxDb)
                {
                    maxDb = db;
                    maxFrame = frame;
                }
                else if (db < maxDb - MinDipDb)
                {
                    peaks.Add((maxFrame, maxDb));
                    lookingForPeak = false;
                    minDb = db;
                }
            }
            else if (db < minDb)
            {
                minDb = db;
            }
            else if (db > minDb + MinDipDb)
            {
                lookingForPeak = true;
                maxDb = db;
                maxFrame = frame;
            }
        }

        if (lookingForPeak && !double.IsNegativeInfinity(maxDb))
        {
            peaks.Add((maxFrame, maxDb));
        }

        return peaks;
    }

    private static double Percentile(double[] values, double fraction)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[(int)Math.Round(fraction * (sorted.Length - 1))];
    }

    /// <summary>Normalised autocorrelation over a few pitch periods around a point.</summary>
    private readonly ref struct VoicingDetector
    {
        private readonly ReadOnlySpan<float> samples;
        private readonly int windowLength;
        private readonly int minLag;
        private readonly int maxLag;

        public VoicingDetector(ReadOnlySpan<float> samples, int sampleRateHz)
        {
            this.samples = samples;
            windowLength = (int)Math.Round(WindowSeconds * sampleRateHz);
            minLag = (int)Math.Floor(sampleRateHz / MaxPitchHz);
            maxLag = (int)Math.Ceiling(sampleRateHz / MinPitchHz);
        }

        public bool IsVoiced(int centre)
        {
            // The window and its lagged copy must both lie inside the clip; near an edge, slide inwards.
            var needed = windowLength + maxLag;
            if (samples.Length < needed)
            {
                return false;
            }

            var start = Math.Clamp(centre - (needed / 2), 0, samples.Length - needed);
            var reference = samples.Slice(start, windowLength);
            var referenceEnergy = (double)TensorPrimitives.Dot(reference, reference);
            if (referenceEnergy <= 0)
            {
                return false;
            }

            // The lagged window's energy slides with the lag: add the sample entering, drop the one leaving.
            var lagged = samples.Slice(start + minLag, windowLength);
            var laggedEnergy = (double)TensorPrimitives.Dot(lagged, lagged);
            var best = 0.0;
            for (var lag = minLag; lag <= maxLag; lag++)
            {
                if (lag > minLag)
                {
                    var leaving = samples[start + lag - 1];
                    var entering = samples[start + lag + windowLength - 1];
                    laggedEnergy = Math.Max(0.0, laggedEnergy - (leaving * leaving) + (entering * entering));
                }

                if (laggedEnergy <= 0)
                {
                    continue;
                }

                var correlation = TensorPrimitives.Dot(reference, samples.Slice(start + lag, windowLength));
                best = Math.Max(best, correlation / Math.Sqrt(referenceEnergy * laggedEnergy));
            }

            return best >= VoicingThreshold;
        }
    }
}
