namespace Kisei.Web.Tests.Audio;

/// <summary>Deterministic signals for audio tests.</summary>
public static class TestSignals
{
    /// <summary>
    /// A different mixture of tones and noise on each channel, under a slow swell, starting with a full-scale
    /// positive and negative sample so that clipping and the extremes are exercised.
    /// </summary>
    public static double[] Interleaved(int frames, int channels, int sampleRateHz, int seed = 7)
    {
        var random = new Random(seed);
        var samples = new double[frames * channels];
        for (var frame = 0; frame < frames; frame++)
        {
            var t = (double)frame / sampleRateHz;
            var swell = 0.5 + (0.45 * Math.Sin(2 * Math.PI * 1.3 * t));
            for (var channel = 0; channel < channels; channel++)
            {
                var tone = (0.6 * Math.Sin(2 * Math.PI * (220 + (110 * channel)) * t))
                    + (0.25 * Math.Sin((2 * Math.PI * 3100 * t) + channel));
                var noise = 0.05 * ((random.NextDouble() * 2) - 1);
                samples[(frame * channels) + channel] = swell * tone + noise;
            }
        }

        if (frames >= 2)
        {
            samples[0] = 1.0;
            samples[channels] = -1.0;
        }

        return samples;
    }

    /// <summary>A sine of the given amplitude.</summary>
    public static float[] Sine(int length, double frequencyHz, int sampleRateHz, double amplitude = 0.5, double phase = 0)
    {
        var samples = new float[length];
        for (var i = 0; i < length; i++)
        {
            samples[i] = (float)(amplitude * Math.Sin((2 * Math.PI * frequencyHz * i / sampleRateHz) + phase));
        }

        return samples;
    }

    /// <summary>What a correct reader returns for <paramref name="interleaved"/> stored in <paramref name="layout"/>: the mean of the stored values.</summary>
    public static double[] ExpectedMono(ReadOnlySpan<double> interleaved, int channels, WavLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var mono = new double[interleaved.Length / channels];
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0.0;
            for (var channel = 0; channel < channels; channel++)
            {
                sum += layout.Quantise(interleaved[(frame * channels) + channel]);
            }

            mono[frame] = sum / channels;
        }

        return mono;
    }
}
