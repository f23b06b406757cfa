using Kisei.Web.Tests.Audio;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>Small synthetic WAVs for end-to-end tests.</summary>
public static class TestClips
{
    /// <summary>A loud, steady sawtooth with a slow vibrato: a scream, as far as the score can tell.</summary>
    public static byte[] Scream(double seconds = 2.0, int sampleRateHz = 48_000, int channels = 2, double amplitude = 0.8, WavLayout? layout = null)
    {
        var frames = (int)(seconds * sampleRateHz);
        var interleaved = new double[frames * channels];
        var phase = 0.0;
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / sampleRateHz;
            var frequency = 440.0 + (20.0 * Math.Sin(2 * Math.PI * 5.0 * t));
            phase += frequency / sampleRateHz;
            var sample = amplitude * ((2.0 * (phase - Math.Floor(phase))) - 1.0);
            for (var c = 0; c < channels; c++)
            {
                interleaved[(i * channels) + c] = sample;
            }
        }

        return WavBuilder.Write(interleaved, channels, sampleRateHz, layout ?? WavLayout.Pcm16);
    }
}
