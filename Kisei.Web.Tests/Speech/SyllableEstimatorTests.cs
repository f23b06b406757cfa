using Kisei.Web.Speech;

namespace Kisei.Web.Tests.Speech;

public class SyllableEstimatorTests
{
    private const int Rate = SpeechSignals.SampleRateHz;

    [Theory]
    [InlineData("ja-weather.wav")]
    [InlineData("ja-morning.wav")]
    [InlineData("en-fox.wav")]
    [InlineData("en-umbrella.wav")]
    public void Synthesised_speech_gives_three_to_eight_nuclei_a_second(string fileName)
    {
        var samples = SpeechSignals.Load(fileName);

        var analysis = SyllableEstimator.Analyse(samples, Rate);

        Assert.InRange(analysis.NucleiPerSecond, 3.0, 8.0);
        Assert.Equal(samples.Length / (double)Rate, analysis.DurationSeconds, 9);
    }

    [Fact]
    public void A_sustained_tone_with_vibrato_gives_under_one_nucleus_a_second()
    {
        var analysis = SyllableEstimator.Analyse(SpeechSignals.SustainedToneWithVibrato(3.0), Rate);

        Assert.True(analysis.NucleiPerSecond < 1.0, $"{analysis.NucleiPerSecond:F2} nuclei a second");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.01)]
    public void White_noise_gives_under_one_nucleus_a_second(double amplitude)
    {
        var analysis = SyllableEstimator.Analyse(SpeechSignals.WhiteNoise(3.0, amplitude), Rate);

        Assert.True(analysis.NucleiPerSecond < 1.0, $"{analysis.NucleiPerSecond:F2} nuclei a second");
    }

    [Fact]
    public void Silence_gives_no_nuclei()
    {
        Assert.Equal(0, SyllableEstimator.CountNuclei(new float[3 * Rate], Rate));
        Assert.Equal(0, SyllableEstimator.CountNuclei([], Rate));
    }

    [Theory]
    [InlineData(5, 0.25)]
    [InlineData(12, 0.2)]
    [InlineData(20, 0.15)]
    public void Each_voiced_burst_between_dips_is_one_nucleus(int bursts, double periodSeconds)
    {
        var analysis = SyllableEstimator.Analyse(SpeechSignals.Bursts(bursts, periodSeconds), Rate);

        Assert.Equal(bursts, analysis.Nuclei);
        for (var i = 0; i < bursts; i++)
        {
            // Each nucleus sits inside its 120 ms burst.
            var burstStart = 0.1 + (i * periodSeconds);
            Assert.InRange(analysis.NucleusTimesSeconds[i], burstStart, burstStart + 0.12);
        }
    }

    [Fact]
    public void Unvoiced_bursts_are_not_nuclei()
    {
        var analysis = SyllableEstimator.Analyse(SpeechSignals.Bursts(12, 0.2, voiced: false), Rate);

        Assert.Equal(0, analysis.Nuclei);
    }

    [Fact]
    public void Bursts_far_below_the_loudest_part_of_the_clip_are_not_nuclei()
    {
        var loud = SpeechSignals.Bursts(4, 0.25, level: 0.5);
        var quiet = SpeechSignals.Bursts(6, 0.25, level: 0.5 / 100); // −40 dB
        var samples = loud.Concat(quiet).ToArray();

        Assert.Equal(4, SyllableEstimator.CountNuclei(samples, Rate));
        Assert.Equal(6, SyllableEstimator.CountNuclei(quiet, Rate));
    }

    [Fact]
    public void Bursts_closer_than_the_minimum_spacing_count_once()
    {
        // Bursts every 60 ms overlap into pairs closer than 80 ms apart.
        var analysis = SyllableEstimator.Analyse(SpeechSignals.Bursts(2, 0.06), Rate);

        Assert.True(analysis.Nuclei <= 1, $"{analysis.Nuclei} nuclei");
    }

    [Fact]
    public void The_same_clip_always_gives_the_same_nuclei()
    {
        var samples = SpeechSignals.Load("en-fox.wav");

        var first = SyllableEstimator.Analyse(samples, Rate);
        var second = SyllableEstimator.Analyse(samples.ToArray(), Rate);

        Assert.Equal(first.NucleusTimesSeconds, second.NucleusTimesSeconds);
    }

    [Fact]
    public void Speech_resampled_from_another_rate_counts_about_the_same()
    {
        var samples = SpeechSignals.Load("ja-weather.wav");
        var at44k = Kisei.Web.Audio.Resampler.Resample(samples, Rate, 44_100);

        var native = SyllableEstimator.CountNuclei(samples, Rate);
        var back = SyllableEstimator.CountNuclei(Kisei.Web.Audio.Resampler.Resample(at44k, 44_100, Rate), Rate);

        Assert.InRange(back, native - 1, native + 1);
    }
}
