using Kisei.Web.Speech;
using Kisei.Whisper;
using Kisei.Whisper.Tests;

namespace Kisei.Web.Tests.Speech;

public sealed class WhisperRecognizerTests
{
    [Fact]
    public async Task The_recognizer_reports_whisper_and_counts_the_code_points_of_the_transcript()
    {
        var model = SyntheticWhisperModel.Scripted(cycle: 16, endStep: 40).WriteTo(Path.GetTempPath());
        using var recognizer = new WhisperRecognizer(new WhisperOptions { ModelPath = model, Threads = 2 });
        var samples = WhisperReference.ReadClip("clip-scream.wav");
        using var direct = WhisperTranscriber.Load(model, threads: 2);
        var expected = direct.Transcribe(samples, "ja", TestContext.Current.CancellationToken);

        var recognition = await recognizer.RecognizeAsync(samples, TestContext.Current.CancellationToken);
        File.Delete(model);

        Assert.Equal("whisper", recognizer.Name);
        Assert.Equal("whisper", recognition.Recognizer);
        Assert.Equal(expected.Text, recognition.Transcript);
        Assert.Equal(recognition.Transcript!.EnumerateRunes().Count(), recognition.SpeechCharacters);
        Assert.True(recognition.SpeechCharacters > 0);
        Assert.Equal(expected.NoSpeechProbability, recognition.NoSpeechProbability);
        Assert.Equal(expected.AverageLogProbability, recognition.AverageLogProbability);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("abc", 3)]
    [InlineData("ご視聴ありがとうございました", 14)]
    [InlineData("a😀b", 3)]
    [InlineData("\uFFFD\uFFFD", 2)]
    public void Code_points_are_counted_as_python_counts_them(string text, int expected)
    {
        Assert.Equal(expected, WhisperRecognizer.CountCodePoints(text));
    }

    [Fact]
    public async Task A_missing_model_fails_the_recognition_with_a_speech_recognition_error()
    {
        using var recognizer = new WhisperRecognizer(new WhisperOptions { ModelPath = Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.bin") });

        var error = await Assert.ThrowsAsync<SpeechRecognitionException>(async () => await recognizer.RecognizeAsync(new float[16000], TestContext.Current.CancellationToken));

        Assert.IsType<WhisperModelException>(error.InnerException);
    }

    [Fact]
    public async Task An_unknown_language_fails_the_recognition_with_a_speech_recognition_error()
    {
        using var recognizer = new WhisperRecognizer(new WhisperOptions { ModelPath = WhisperReference.ModelPath, Language = "xx", Threads = 1 });

        await Assert.ThrowsAsync<SpeechRecognitionException>(async () => await recognizer.RecognizeAsync(new float[16000], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Concurrent_recognitions_give_the_same_result_as_one_at_a_time()
    {
        using var recognizer = new WhisperRecognizer(new WhisperOptions { ModelPath = WhisperReference.ModelPath, Threads = 2 });
        var tone = WhisperReference.ReadClip("clip-tone.wav");
        var chirp = WhisperReference.ReadClip("clip-chirp.wav");
        var cancel = TestContext.Current.CancellationToken;
        var alone = await recognizer.RecognizeAsync(tone, cancel);

        var together = await Task.WhenAll(
            recognizer.RecognizeAsync(tone, cancel).AsTask(),
            recognizer.RecognizeAsync(chirp, cancel).AsTask(),
            recognizer.RecognizeAsync(tone, cancel).AsTask());

        Assert.Equal(alone, together[0]);
        Assert.Equal(alone, together[2]);
        Assert.NotEqual(alone.AverageLogProbability, together[1].AverageLogProbability);
    }
}
