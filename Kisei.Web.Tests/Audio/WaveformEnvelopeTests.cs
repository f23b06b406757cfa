using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Audio;

public class WaveformEnvelopeTests
{
    [Fact]
    public void Each_bucket_holds_the_extremes_of_its_own_samples()
    {
        // A ramp: bucket b of 4 over 1,000 samples covers 250·b … 250·b + 249.
        var ramp = Enumerable.Range(0, 1_000).Select(i => (float)i).ToArray();

        var envelope = WaveformEnvelope.Compute(ramp, 4);

        float[] firstOfEachBucket = [0f, 250f, 500f, 750f];
        float[] lastOfEachBucket = [249f, 499f, 749f, 999f];
        Assert.Equal(firstOfEachBucket, envelope.Min);
        Assert.Equal(lastOfEachBucket, envelope.Max);
    }

    [Fact]
    public void A_burst_shows_only_in_the_buckets_it_falls_in()
    {
        var mono = new float[20_000];
        mono[10_050] = 0.9f;
        mono[10_060] = -0.7f;

        var envelope = WaveformEnvelope.Compute(mono, 200);

        Assert.Equal(200, envelope.Max.Length);
        Assert.Equal(0.9f, envelope.Max[100]);
        Assert.Equal(-0.7f, envelope.Min[100]);
        Assert.Equal(1, envelope.Max.Count(v => v != 0));
        Assert.Equal(1, envelope.Min.Count(v => v != 0));
    }

    [Fact]
    public void A_clip_shorter_than_the_plot_repeats_samples_without_gaps()
    {
        float[] mono = [0.1f, -0.2f, 0.3f];

        var envelope = WaveformEnvelope.Compute(mono, 7);

        for (var b = 0; b < 7; b++)
        {
            Assert.Contains(envelope.Min[b], mono);
            Assert.Equal(envelope.Min[b], envelope.Max[b]);
        }

        Assert.Equal(mono, envelope.Min.Distinct());
    }

    [Fact]
    public void An_empty_clip_is_flat()
    {
        var envelope = WaveformEnvelope.Compute([], 10);

        Assert.All(envelope.Min, v => Assert.Equal(0f, v));
        Assert.All(envelope.Max, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void The_span_form_fills_the_callers_buffers()
    {
        var min = new float[3];
        var max = new float[3];

        WaveformEnvelope.Compute([1f, -1f, 2f, -2f, 3f, -3f], min, max);

        float[] expectedMin = [-1f, -2f, -3f];
        float[] expectedMax = [1f, 2f, 3f];
        Assert.Equal(expectedMin, min);
        Assert.Equal(expectedMax, max);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WaveformEnvelope.Compute(new float[10], 0));
        Assert.Throws<ArgumentException>(() => WaveformEnvelope.Compute(new float[10], new float[2], new float[3]));
    }
}
