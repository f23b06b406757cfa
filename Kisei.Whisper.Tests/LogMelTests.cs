using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

public sealed class LogMelTests
{
    private static readonly float[] Filters = SyntheticWhisperModel.MelFilterBank(80);

    [Fact]
    public void Silence_is_minus_one_and_a_half_everywhere()
    {
        var mel = new LogMel(Filters, 80).Compute(new float[16000]);

        Assert.Equal(80 * LogMel.FrameCount(16000), mel.Length);
        Assert.All(mel, value => Assert.Equal(-1.5f, value));
    }

    [Fact]
    public void Frames_cover_the_audio_plus_thirty_seconds()
    {
        Assert.Equal(3000, LogMel.FrameCount(0));
        Assert.Equal(3100, LogMel.FrameCount(16000));
        Assert.Equal(6000, LogMel.FrameCount(480000));
    }

    [Fact]
    public void The_spectrogram_matches_a_plain_dft_of_each_padded_windowed_frame()
    {
        var random = new Random(5);
        var samples = new float[4000];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)((0.4 * Math.Sin(2 * Math.PI * 440 * i / 16000)) + (0.2 * Math.Sin(2 * Math.PI * 3100 * i / 16000)) + (0.05 * (random.NextDouble() - 0.5)));
        }

        var actual = new LogMel(Filters, 80).Compute(samples);
        var expected = PlainLogMel(samples, Filters, 80);

        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 2e-4, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Fact]
    public void Very_short_audio_reflects_what_it_has()
    {
        float[] samples = [0.5f, -0.25f, 0.125f];
        var actual = new LogMel(Filters, 80).Compute(samples);
        var expected = PlainLogMel(samples, Filters, 80);

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 2e-4, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(199)]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(1283)]
    public void Audio_of_any_length_is_padded_as_whisper_pads_it(int length)
    {
        var samples = new float[length];
        for (var i = 0; i < length; i++)
        {
            samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 700 * i / 16000)) + (i % 7 * 0.01f);
        }

        var actual = new LogMel(Filters, 80).Compute(samples);
        var expected = PlainLogMel(samples, Filters, 80);

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 2e-4, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Fact]
    public void A_filter_bank_of_the_wrong_size_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new LogMel(new float[80 * 200], 80));
    }

    /// <summary>
    /// Whisper's recipe written out directly: reflect 200 samples on the left, pad 30 s + 200 zeros on the right,
    /// periodic Hann window of 400, an O(n²) DFT, the filter bank, log10 floored at max − 8, then (x + 4)/4.
    /// </summary>
    private static float[] PlainLogMel(float[] samples, float[] filters, int bands)
    {
        var n = samples.Length;
        var padded = new double[n + 480000 + 400];
        for (var i = 0; i < n; i++)
        {
            padded[200 + i] = samples[i];
        }

        var reflect = Math.Min(200, n - 1);
        for (var t = 1; t <= reflect; t++)
        {
            padded[200 - t] = samples[t];
        }

        var frames = (n + 480000) / 160;
        var log = new double[bands * frames];
        var power = new double[201];
        for (var f = 0; f < frames; f++)
        {
            var silent = true;
            for (var i = 0; i < 400 && silent; i++)
            {
                silent = padded[(f * 160) + i] == 0;
            }

            for (var k = 0; k <= 200; k++)
            {
                double re = 0, im = 0;
                for (var i = 0; !silent && i < 400; i++)
                {
                    var x = padded[(f * 160) + i] * 0.5 * (1 - Math.Cos(2 * Math.PI * i / 400));
                    re += x * Math.Cos(2 * Math.PI * k * i / 400);
                    im -= x * Math.Sin(2 * Math.PI * k * i / 400);
                }

                power[k] = (re * re) + (im * im);
            }

            for (var b = 0; b < bands; b++)
            {
                var sum = 0.0;
                for (var k = 0; k <= 200; k++)
                {
                    sum += power[k] * filters[(b * 201) + k];
                }

                log[(b * frames) + f] = Math.Log10(Math.Max(sum, 1e-10));
            }
        }

        var floor = log.Max() - 8;
        return [.. log.Select(v => (float)((Math.Max(v, floor) + 4) / 4))];
    }
}
