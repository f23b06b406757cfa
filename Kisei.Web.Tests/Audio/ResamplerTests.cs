using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Audio;

public class ResamplerTests
{
    private static double Rms(ReadOnlySpan<float> x)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += (double)v * v;
        }

        return Math.Sqrt(sum / x.Length);
    }

    [Theory]
    [InlineData(48_000)]
    [InlineData(44_100)]
    [InlineData(22_050)]
    [InlineData(8_000)]
    [InlineData(96_000)]
    [InlineData(44_101)]
    public void A_1_kHz_sine_survives_resampling_to_16_kHz(int fromHz)
    {
        const int ToHz = 16_000;
        var input = TestSignals.Sine(fromHz / 2, 1_000, fromHz, amplitude: 0.8, phase: 0.3);

        var output = Resampler.Resample(input, fromHz, ToHz);

        // Away from the edges, where the filter sees zeros, the output is the same sine sampled at 16 kHz.
        var ideal = TestSignals.Sine(output.Length, 1_000, ToHz, amplitude: 0.8, phase: 0.3);
        var margin = 200;
        var worst = 0.0;
        for (var i = margin; i < output.Length - margin; i++)
        {
            worst = Math.Max(worst, Math.Abs(output[i] - ideal[i]));
        }

        // −70 dB, and no delay: 1 kHz is well inside the passband (measured: under 1e-5).
        Assert.True(worst < 3e-4, $"worst error {worst} (from {fromHz} Hz)");
    }

    [Theory]
    [InlineData(48_000, 10_000)]
    [InlineData(48_000, 9_000)]
    [InlineData(48_000, 12_000)]
    [InlineData(44_100, 10_000)]
    [InlineData(96_000, 30_000)]
    public void A_tone_above_8_kHz_in_a_WAV_file_is_at_least_50_dB_down_after_resampling_to_16_kHz(int fromHz, int toneHz)
    {
        var tone = TestSignals.Sine(fromHz / 2, toneHz, fromHz, amplitude: 0.9);
        var audio = WavReader.Read(WavBuilder.Write(tone.Select(x => (double)x).ToArray(), 1, fromHz, WavLayout.Pcm16));

        var output = Resampler.Resample(audio.Mono, fromHz, 16_000);

        // Above 8 kHz nothing survives at 16 kHz but aliases, which fold back below 8 kHz.
        var attenuationDb = 20 * Math.Log10(Rms(output.AsSpan(200, output.Length - 400)) / Rms(audio.Mono));
        Assert.True(attenuationDb <= -50, $"{toneHz} Hz at {fromHz} Hz is only {attenuationDb:F1} dB down");
    }

    [Fact]
    public void Upsampling_keeps_a_tone_and_adds_no_image()
    {
        var input = TestSignals.Sine(8_000, 3_000, 8_000, amplitude: 0.5);

        var output = Resampler.Resample(input, 8_000, 16_000);

        var ideal = TestSignals.Sine(output.Length, 3_000, 16_000, amplitude: 0.5);
        var worst = 0.0;
        for (var i = 200; i < output.Length - 200; i++)
        {
            worst = Math.Max(worst, Math.Abs(output[i] - ideal[i]));
        }

        // 3 kHz is 75 % of the old Nyquist, inside the passband but near its edge.
        Assert.True(worst < 2e-3, $"worst error {worst}");
    }

    [Fact]
    public void A_constant_keeps_its_level()
    {
        var input = Enumerable.Repeat(0.5f, 44_100).ToArray();

        var output = Resampler.Resample(input, 44_100, 16_000);

        Assert.All(output.AsSpan(100, output.Length - 200).ToArray(), v => Assert.Equal(0.5f, v, 1e-5f));
    }

    [Theory]
    [InlineData(48_000, 48_000, 16_000, 16_000)]
    [InlineData(44_100, 44_100, 16_000, 16_000)]
    [InlineData(100, 48_000, 16_000, 34)]
    [InlineData(1, 44_100, 16_000, 1)]
    [InlineData(0, 48_000, 16_000, 0)]
    [InlineData(1_000, 8_000, 16_000, 2_000)]
    [InlineData(1_000, 16_000, 16_000, 1_000)]
    public void Output_length_is_the_input_length_scaled_and_rounded_up(int inputLength, int fromHz, int toHz, int expected)
    {
        Assert.Equal(expected, Resampler.OutputLength(inputLength, fromHz, toHz));
        Assert.Equal(expected, Resampler.Resample(new float[inputLength], fromHz, toHz).Length);
    }

    [Fact]
    public void Equal_rates_copy_the_input()
    {
        var input = TestSignals.Sine(1_000, 440, 16_000);

        Assert.Equal(input, Resampler.Resample(input, 16_000, 16_000));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var input = new float[100];

        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(input, 0, 16_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(input, 48_000, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(input, 48_000_000, 16_000));
        Assert.Throws<ArgumentException>(() => Resampler.Resample(input, 48_000, 16_000, new float[10]));
    }
}
