using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Audio;

public class LoudnessMeterTests
{
    private static readonly int[] SampleRatesHz = [8_000, 16_000, 44_100, 48_000, 96_000];

    /// <summary>
    /// The plain reading of docs/design.md §1.1 step 2, written without the block trick: pad, frame, square, average.
    /// </summary>
    internal static (double MeanRms, double Loudness, double[] FrameRms) Naive(double[] mono)
    {
        var padded = new double[mono.Length + 2048];
        for (var i = 0; i < mono.Length; i++)
        {
            padded[1024 + i] = mono[i];
        }

        var frames = 1 + ((padded.Length - 2048) / 512);
        var rms = new double[frames];
        for (var frame = 0; frame < frames; frame++)
        {
            var sumOfSquares = 0.0;
            for (var j = 0; j < 2048; j++)
            {
                sumOfSquares += padded[(frame * 512) + j] * padded[(frame * 512) + j];
            }

            rms[frame] = Math.Sqrt(sumOfSquares / 2048);
        }

        var scaled = rms.Sum(r => r * Math.Sqrt(2));
        return (rms.Average(), Math.Min(1, scaled / (0.85 * frames)), rms);
    }

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        var index = 0;
        foreach (var layout in WavLayout.All)
        {
            foreach (var channels in new[] { 1, 2, 6 })
            {
                data.Add(layout.ToString(), channels, SampleRatesHz[index++ % SampleRatesHz.Length]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loudness_of_a_decoded_file_matches_the_plain_implementation(string layoutName, int channels, int sampleRateHz)
    {
        var layout = WavReaderTests.Layout(layoutName);
        var frames = (int)(sampleRateHz * 0.37);
        var signal = TestSignals.Interleaved(frames, channels, sampleRateHz, seed: channels);

        var audio = WavReader.Read(WavBuilder.Write(signal, channels, sampleRateHz, layout));
        var measured = LoudnessMeter.Measure(audio.Mono);
        var expected = Naive(TestSignals.ExpectedMono(signal, channels, layout));

        Assert.Equal(1 + (frames / 512), measured.FrameCount);
        Assert.Equal(expected.MeanRms, measured.MeanRms, expected.MeanRms * 1e-6);
        Assert.Equal(expected.Loudness, measured.Loudness, expected.Loudness * 1e-6);

        var frameRms = new float[measured.FrameCount];
        LoudnessMeter.FrameRms(audio.Mono, frameRms);
        for (var i = 0; i < frameRms.Length; i++)
        {
            Assert.Equal(expected.FrameRms[i], frameRms[i], 1e-6 + (expected.FrameRms[i] * 1e-6));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(1_023)]
    [InlineData(1_024)]
    [InlineData(2_047)]
    [InlineData(2_048)]
    [InlineData(2_049)]
    [InlineData(5_120)]
    [InlineData(48_001)]
    public void Frame_count_is_one_plus_length_over_512_at_the_edges(int samples)
    {
        var signal = TestSignals.Interleaved(samples, 1, 16_000, seed: samples);
        var audio = WavReader.Read(WavBuilder.Write(signal, 1, 16_000, WavLayout.Ieee32));

        var measured = LoudnessMeter.Measure(audio.Mono);
        var expected = Naive(audio.Mono.Select(x => (double)x).ToArray());

        Assert.Equal(1 + (samples / 512), LoudnessMeter.FrameCount(samples));
        Assert.Equal(expected.FrameRms.Length, measured.FrameCount);
        Assert.Equal(expected.MeanRms, measured.MeanRms, expected.MeanRms * 1e-9);
    }

    [Fact]
    public void A_constant_signal_matches_the_hand_computed_overlaps()
    {
        // 4,096 samples of 0.3: nine frames that overlap the signal by 1024, 1536, then five of 2048, 1536, 1024 samples.
        var mono = Enumerable.Repeat(0.3f, 4_096).ToArray();
        var expectedMeanRms = 0.3f * ((2 * Math.Sqrt(0.5)) + (2 * Math.Sqrt(0.75)) + 5) / 9;

        var measured = LoudnessMeter.Measure(mono);

        Assert.Equal(9, measured.FrameCount);
        Assert.Equal(expectedMeanRms, measured.MeanRms, 1e-7);
        Assert.Equal(expectedMeanRms * Math.Sqrt(2) / 0.85, measured.Loudness, 1e-7);
    }

    [Fact]
    public void Loudness_is_capped_at_one()
    {
        var square = Enumerable.Range(0, 48_000).Select(i => i % 100 < 50 ? 1f : -1f).ToArray();

        var measured = LoudnessMeter.Measure(square);

        Assert.True(measured.MeanRms > 0.95, $"mean RMS {measured.MeanRms}");
        Assert.Equal(1.0, measured.Loudness);
    }

    [Fact]
    public void A_full_scale_sine_away_from_the_edges_has_an_RMS_of_one_over_root_two()
    {
        // 1.5 kHz at 48 kHz: exactly 64 periods in each 2048-sample frame.
        var sine = TestSignals.Sine(48_000, 1_500, 48_000, amplitude: 1.0);
        var rms = new float[LoudnessMeter.FrameCount(sine.Length)];

        LoudnessMeter.FrameRms(sine, rms);

        Assert.Equal(1 / Math.Sqrt(2), rms[rms.Length / 2], 1e-6);
        Assert.Equal(Math.Sqrt(0.25), rms[0], 1e-2);
    }

    [Fact]
    public void Silence_measures_zero()
    {
        var measured = LoudnessMeter.Measure(new float[10_000]);

        Assert.Equal(0.0, measured.MeanRms);
        Assert.Equal(0.0, measured.Loudness);
        Assert.Equal(20, measured.FrameCount);
    }

    [Fact]
    public void Frame_RMS_refuses_a_destination_too_short()
    {
        var mono = new float[1_024];

        Assert.Throws<ArgumentException>(() => LoudnessMeter.FrameRms(mono, new float[2]));
    }
}
