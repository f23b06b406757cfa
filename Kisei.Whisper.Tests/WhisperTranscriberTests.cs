using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

/// <summary>The engine on small synthetic models of every shape and weight type: it loads, decodes and stays in bounds.</summary>
public sealed class WhisperTranscriberTests
{
    private static float[] Tone(double seconds, double hz = 330)
    {
        var samples = new float[(int)(seconds * 16000)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * hz * i / 16000) * Math.Sin(Math.PI * i / samples.Length));
        }

        return samples;
    }

    public static TheoryData<int, int, int, int, int> Shapes() => new()
    {
        // fileType, state, heads, audio layers, text layers
        { 1, 32, 1, 1, 1 },
        { 1, 64, 4, 2, 1 },
        { 1, 96, 3, 1, 2 },
        { 0, 32, 2, 1, 1 },
        { 2, 32, 2, 1, 1 },
        { 3, 32, 2, 1, 1 },
        { 7, 64, 2, 1, 1 },
        { 8, 32, 2, 1, 1 },
        { 9, 32, 2, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Models_of_any_shape_and_weight_type_decode_deterministically_within_the_step_limit(int fileType, int state, int heads, int audioLayers, int textLayers)
    {
        var model = new SyntheticWhisperModel { FileType = fileType, State = state, AudioHeads = heads, TextHeads = heads, AudioLayers = audioLayers, TextLayers = textLayers, Seed = state + fileType };
        using var transcriber = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(model.ToBytes())), threads: 2);
        var audio = Tone(1.5);

        var first = transcriber.Transcribe(audio, "ja", TestContext.Current.CancellationToken);
        var second = transcriber.Transcribe(audio, "ja", TestContext.Current.CancellationToken);

        // Random weights mostly loop to the step limit, a failed window: its tokens are in the window, not the text.
        var decoded = Assert.Single(first.Windows).Tokens;
        Assert.Equal(decoded, Assert.Single(second.Windows).Tokens);
        Assert.Equal(first.NoSpeechProbability, second.NoSpeechProbability);
        Assert.NotEmpty(decoded);
        Assert.InRange(first.DecodedTokens, decoded.Count, model.Hyperparameters.MaxDecodedTokensPerWindow);
        Assert.All(decoded, token => Assert.InRange(token, 0, transcriber.Vocabulary.EndOfText - 1));
        Assert.NotEqual(transcriber.Vocabulary.Blank, decoded[0]);
        Assert.Equal(first.Windows[0].Outcome == WindowOutcome.Completed ? decoded : [], first.Tokens);
        Assert.InRange(first.NoSpeechProbability, 0, 1);
        Assert.True(first.AverageLogProbability <= 0);
        Assert.Equal(transcriber.Vocabulary.Decode([.. first.Tokens]), first.Text);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    public void A_model_file_streamed_into_the_engine_transcribes_as_the_model_read_whole(int fileType)
    {
        var model = new SyntheticWhisperModel { FileType = fileType, State = 64, AudioHeads = 2, TextHeads = 2, Seed = 5 + fileType };
        var path = model.WriteTo(Path.GetTempPath());
        try
        {
            using var streamed = WhisperTranscriber.Load(path, threads: 2);
            using var whole = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(File.ReadAllBytes(path))), threads: 2);
            var audio = Tone(1.5, 440);

            var expected = whole.Transcribe(audio, "ja", TestContext.Current.CancellationToken);
            var actual = streamed.Transcribe(audio, "ja", TestContext.Current.CancellationToken);

            Assert.Equal(whole.WeightBytes, streamed.WeightBytes);
            Assert.Equal(expected.Windows, actual.Windows, (a, b) => a.Tokens.SequenceEqual(b.Tokens) && a.Outcome == b.Outcome);
            Assert.NotEmpty(actual.Windows[0].Tokens);
            Assert.Equal(expected.NoSpeechProbability, actual.NoSpeechProbability);
            Assert.Equal(expected.AverageLogProbability, actual.AverageLogProbability);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_model_file_cut_short_within_a_tensor_is_reported_as_truncated()
    {
        var bytes = new SyntheticWhisperModel().ToBytes();
        var path = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 1000)]);
        try
        {
            var error = Assert.Throws<WhisperModelException>(() => WhisperTranscriber.Load(path, threads: 1));

            Assert.Equal(WhisperModelError.Truncated, error.Error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Thread_count_does_not_change_the_tokens()
    {
        var bytes = new SyntheticWhisperModel { State = 64, AudioHeads = 2, TextHeads = 2, Seed = 9 }.ToBytes();
        using var one = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(bytes)), threads: 1);
        using var three = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(bytes)), threads: 3);
        var audio = Tone(2, 220);

        var expected = one.Transcribe(audio, "ja", TestContext.Current.CancellationToken).Windows[0].Tokens;

        Assert.NotEmpty(expected);
        Assert.Equal(expected, three.Transcribe(audio, "ja", TestContext.Current.CancellationToken).Windows[0].Tokens);
    }

    [Fact]
    public void Multilingual_prompts_name_the_language_and_english_only_prompts_do_not()
    {
        using var multilingual = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(new SyntheticWhisperModel().ToBytes())), threads: 1);
        using var english = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(new SyntheticWhisperModel { VocabularySize = 51864 }.ToBytes())), threads: 1);

        Assert.Equal([50258, 50266, 50359, 50363], multilingual.Prompt("ja"));
        Assert.Equal([50258, 50259, 50359, 50363], multilingual.Prompt("en"));
        Assert.Equal([50257, 50362], english.Prompt("ja"));
        Assert.Throws<ArgumentException>(() => multilingual.Prompt("klingon"));

        var result = english.Transcribe(Tone(1), "en", TestContext.Current.CancellationToken);
        Assert.All(result.Windows.SelectMany(window => window.Tokens), token => Assert.InRange(token, 0, 50255));
    }

    [Fact]
    public void Audio_longer_than_thirty_seconds_is_decoded_window_by_window()
    {
        using var transcriber = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(new SyntheticWhisperModel().ToBytes())), threads: 2);
        var cancel = TestContext.Current.CancellationToken;

        Assert.Single(transcriber.Transcribe(Tone(30), "ja", cancel).Windows);
        Assert.Single(transcriber.Transcribe(Tone(30.05), "ja", cancel).Windows);
        var two = transcriber.Transcribe(Tone(31), "ja", cancel);
        Assert.Equal(2, two.Windows.Count);
        Assert.InRange(two.DecodedTokens, 2, 2 * transcriber.Hyperparameters.MaxDecodedTokensPerWindow);
        Assert.Single(transcriber.Transcribe([], "ja", cancel).Windows);
    }

    [Fact]
    public void Samples_that_are_not_numbers_are_refused()
    {
        using var transcriber = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(new SyntheticWhisperModel().ToBytes())), threads: 1);

        Assert.Throws<ArgumentException>(() => transcriber.Transcribe([0f, float.NaN], "ja", TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => transcriber.Transcribe([float.PositiveInfinity], "ja", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_cancelled_transcription_stops()
    {
        using var transcriber = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(new SyntheticWhisperModel().ToBytes())), threads: 1);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => transcriber.Transcribe(Tone(1), "ja", cancelled.Token));
    }

    [Fact]
    public void The_result_serializes_to_the_json_keys_of_kisei_transcribe()
    {
        var result = new WhisperTranscription([1, 2], "ab", 0.25, -0.5, 1, 2, 3, 3, [new WhisperWindow(0, WindowOutcome.Completed, [1, 2])]);

        var json = System.Text.Json.JsonSerializer.Serialize(result, System.Text.Json.JsonSerializerOptions.Web);
        using var document = System.Text.Json.JsonDocument.Parse(json);

        Assert.Equal(
            ["tokens", "text", "noSpeechProbability", "averageLogProbability", "melMilliseconds", "encodeMilliseconds", "decodeMilliseconds", "decodedTokens", "windows"],
            document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, document.RootElement.GetProperty("tokens").GetArrayLength());
        Assert.Equal("Completed", document.RootElement.GetProperty("windows")[0].GetProperty("outcome").GetString());
    }
}
