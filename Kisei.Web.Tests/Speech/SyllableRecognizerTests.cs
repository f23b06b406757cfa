using Kisei.Web.Speech;

namespace Kisei.Web.Tests.Speech;

public class SyllableRecognizerTests
{
    [Fact]
    public async Task Speech_is_counted_as_nuclei_with_no_transcript()
    {
        var samples = SpeechSignals.Load("ja-morning.wav");
        var recognizer = new SyllableRecognizer();

        var recognition = await recognizer.RecognizeAsync(samples, TestContext.Current.CancellationToken);

        Assert.Equal("syllables", recognizer.Name);
        Assert.Equal("syllables", recognition.Recognizer);
        Assert.Null(recognition.Transcript);
        Assert.Null(recognition.NoSpeechProbability);
        Assert.Equal(SyllableEstimator.CountNuclei(samples, SpeechSignals.SampleRateHz), recognition.SpeechCharacters);
        Assert.InRange(recognition.SpeechCharacters, 13, 34);
    }

    [Fact]
    public async Task A_scream_like_tone_counts_at_most_one_nucleus()
    {
        var recognition = await new SyllableRecognizer().RecognizeAsync(SpeechSignals.SustainedToneWithVibrato(5.0, 440), TestContext.Current.CancellationToken);

        Assert.InRange(recognition.SpeechCharacters, 0, 1);
    }

    [Fact]
    public async Task Samples_that_are_not_numbers_fail_recognition()
    {
        var samples = new float[16_000];
        samples[100] = float.NaN;

        await Assert.ThrowsAsync<SpeechRecognitionException>(
            async () => await new SyllableRecognizer().RecognizeAsync(samples, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_cancelled_request_is_not_counted()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await new SyllableRecognizer().RecognizeAsync(new float[16_000], cancellation.Token));
    }
}
