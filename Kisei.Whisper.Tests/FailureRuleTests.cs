namespace Kisei.Whisper.Tests;

/// <summary>
/// whisper.cpp's failure rules (whisper_full_with_state): a window fails when it reaches the step limit without
/// end-of-text, or when it ends after more than 32 tokens (end-of-text counted) whose last 32 have an entropy below
/// 2.4 nats. A failed window adds no tokens to the text. The models are scripted by position
/// (<see cref="SyntheticWhisperModel.Scripted"/>), so each test knows which tokens the decoder picks.
/// </summary>
public sealed class FailureRuleTests
{
    private static readonly float[] Silence = new float[16_000];

    [Theory]
    [InlineData(16, 40, WindowOutcome.Completed)] // 41 tokens cycling 16 ids: entropy ln 16 ≈ 2.77
    [InlineData(8, 40, WindowOutcome.LowEntropy)] // 41 tokens cycling 8 ids: entropy ≈ 2.08
    [InlineData(1, 31, WindowOutcome.Completed)] // 32 tokens: too short for the entropy rule
    [InlineData(1, 32, WindowOutcome.LowEntropy)] // 33 tokens, one id and end-of-text: entropy ≈ 0.14
    [InlineData(16, 1000, WindowOutcome.StepLimit)] // never ends within n_text_ctx/2 − 4 = 60 steps
    public void A_window_fails_by_whisper_cpps_rules_and_then_yields_no_tokens(int cycle, int endStep, WindowOutcome expected)
    {
        using var transcriber = Load(SyntheticWhisperModel.Scripted(cycle, endStep));

        var result = transcriber.Transcribe(Silence, "ja", TestContext.Current.CancellationToken);

        var window = Assert.Single(result.Windows);
        var maxSteps = transcriber.Hyperparameters.MaxDecodedTokensPerWindow;
        var steps = Math.Min(endStep, maxSteps);
        Assert.Equal(Enumerable.Range(0, steps).Select(step => 1000 + (step % cycle)), window.Tokens);
        Assert.Equal(expected, window.Outcome);
        Assert.Equal(expected == WindowOutcome.Completed ? window.Tokens : [], result.Tokens);
        Assert.Equal(endStep < maxSteps ? endStep + 1 : maxSteps, result.DecodedTokens);
    }

    [Fact]
    public void Each_window_of_a_long_clip_is_judged_on_its_own()
    {
        using var completing = Load(SyntheticWhisperModel.Scripted(16, 40));
        using var looping = Load(SyntheticWhisperModel.Scripted(8, 40));
        var clip = new float[16_000 * 45];
        var cancel = TestContext.Current.CancellationToken;

        var completed = completing.Transcribe(clip, "ja", cancel);
        var failed = looping.Transcribe(clip, "ja", cancel);

        Assert.Equal([0.0, 30.0], completed.Windows.Select(window => window.StartSeconds));
        Assert.All(completed.Windows, window => Assert.Equal(WindowOutcome.Completed, window.Outcome));
        Assert.Equal(80, completed.Tokens.Count);
        Assert.All(failed.Windows, window => Assert.Equal(WindowOutcome.LowEntropy, window.Outcome));
        Assert.Empty(failed.Tokens);
    }

    [Theory]
    [InlineData(new[] { 5, 5, 5 }, 0.5623)] // {5: 3, end: 1} of 4
    [InlineData(new int[0], 0.0)] // end-of-text alone
    public void The_entropy_counts_the_last_32_tokens_with_end_of_text(int[] tokens, double expected)
    {
        Assert.Equal(expected, GreedyDecoder.Entropy([.. tokens], 0, 50257), 4);
    }

    [Fact]
    public void The_entropy_looks_only_at_the_last_32_tokens_of_its_window()
    {
        // 100 distinct tokens of an earlier window, then this window's 40 tokens of one id: only 31 of them count.
        List<int> tokens = [.. Enumerable.Range(0, 100), .. Enumerable.Repeat(7, 40)];

        var entropy = GreedyDecoder.Entropy(tokens, 100, 50257);

        Assert.Equal(-((31 / 32.0 * Math.Log(31 / 32.0)) + (1 / 32.0 * Math.Log(1 / 32.0))), entropy, 10);
    }

    private static WhisperTranscriber Load(SyntheticWhisperModel model) =>
        new(GgmlModel.Load(new MemoryStream(model.ToBytes())), threads: 2);
}
