using Kisei.Web.Tests.Audio;

namespace Kisei.Web.Tests.Browser;

/// <summary>Voiced clips for the browser tests: what a player might scream into the microphone.</summary>
public static class BrowserClips
{
    /// <summary>
    /// One long wail: a sawtooth (rich in harmonics, like a voice) that glides from 330 Hz up to
    /// 660 Hz and back with a slight vibrato, fading in over 0.15 s and out over 0.4 s. One breath,
    /// so the syllable estimator hears one syllable, and loud.
    /// </summary>
    public static byte[] Wail(double seconds = 4.0, int sampleRateHz = 48_000, double amplitude = 0.8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1.0);
        var frames = (int)(seconds * sampleRateHz);
        var samples = new double[frames];
        var phase = 0.0;
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / sampleRateHz;
            var glide = Math.Sin(Math.PI * t / seconds);
            var frequencyHz = (330.0 * (1.0 + glide)) + (8.0 * Math.Sin(2 * Math.PI * 5.5 * t));
            phase += frequencyHz / sampleRateHz;
            var envelope = Math.Min(1.0, Math.Min(t / 0.15, (seconds - t) / 0.4));
            samples[i] = amplitude * envelope * ((2.0 * (phase - Math.Floor(phase))) - 1.0);
        }

        return WavBuilder.Write(samples, channels: 1, sampleRateHz, WavLayout.Pcm16);
    }
}
