using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Speech;

/// <summary>Speech and non-speech for the syllable estimator's tests.</summary>
internal static class SpeechSignals
{
    public const int SampleRateHz = 16_000;

    /// <summary>The synthesised sentences in TestData/speech (see the README there), as 16 kHz mono.</summary>
    public static float[] Load(string fileName)
    {
        var audio = WavReader.Read(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "speech", fileName)));
        return audio.SampleRateHz == SampleRateHz ? audio.Mono : Resampler.Resample(audio.Mono, audio.SampleRateHz, SampleRateHz);
    }

    /// <summary>A voice-like harmonic tone held for the whole clip, with a 5.5 Hz vibrato of ±5 % in pitch and ±10 % in level.</summary>
    public static float[] SustainedToneWithVibrato(double seconds, double pitchHz = 220)
    {
        var samples = new float[(int)(seconds * SampleRateHz)];
        var phase = 0.0;
        for (var i = 0; i < samples.Length; i++)
        {
            var t = (double)i / SampleRateHz;
            var wobble = Math.Sin(2 * Math.PI * 5.5 * t);
            phase += 2 * Math.PI * pitchHz * (1 + (0.05 * wobble)) / SampleRateHz;
            samples[i] = (float)(0.3 * (1 + (0.1 * wobble)) * Harmonics(phase, pitchHz));
        }

        return samples;
    }

    /// <summary>Uniform white noise.</summary>
    public static float[] WhiteNoise(double seconds, double amplitude = 0.5, int seed = 11)
    {
        var random = new Random(seed);
        var samples = new float[(int)(seconds * SampleRateHz)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)(amplitude * ((random.NextDouble() * 2) - 1));
        }

        return samples;
    }

    /// <summary>
    /// "ba-ba-ba": <paramref name="bursts"/> bursts of a harmonic tone (or of noise), each 120 ms with 10 ms ramps,
    /// one every <paramref name="periodSeconds"/>, starting 100 ms in.
    /// </summary>
    public static float[] Bursts(int bursts, double periodSeconds, bool voiced = true, double level = 0.3, double pitchHz = 140, double seconds = 0)
    {
        var random = new Random(5);
        var length = Math.Max((int)(seconds * SampleRateHz), (int)(((bursts * periodSeconds) + 0.2) * SampleRateHz));
        var samples = new float[length];
        for (var burst = 0; burst < bursts; burst++)
        {
            var start = (int)((0.1 + (burst * periodSeconds)) * SampleRateHz);
            var burstLength = (int)(0.12 * SampleRateHz);
            var ramp = (int)(0.01 * SampleRateHz);
            for (var i = 0; i < burstLength && start + i < length; i++)
            {
                var gain = Math.Min(1.0, Math.Min(i, burstLength - 1 - i) / (double)ramp);
                var phase = 2 * Math.PI * pitchHz * (start + i) / SampleRateHz;
                var source = voiced ? Harmonics(phase, pitchHz) : (random.NextDouble() * 2) - 1;
                samples[start + i] += (float)(level * gain * source);
            }
        }

        return samples;
    }

    /// <summary>A sawtooth-like sum of harmonics below 7 kHz, scaled to stay within [-1, 1].</summary>
    private static double Harmonics(double phase, double pitchHz)
    {
        var sum = 0.0;
        for (var h = 1; h <= 12 && h * pitchHz < 7_000; h++)
        {
            sum += Math.Sin(h * phase) / h;
        }

        return sum / 2;
    }
}
