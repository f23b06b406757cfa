using Kisei.Web.Speech;
using Kisei.Whisper;
using Kisei.Whisper.Tests;

namespace Kisei.Web.Tests.Speech;

/// <summary>
/// Kisei's managed engine and Whisper.net on the same synthetic models and clips, with how far they agree written to
/// the test output. Where they disagree, and why:
/// <list type="bullet">
/// <item>
/// Scripted models (windows that end, their tokens set by position): Whisper.net always decodes with timestamps
/// (it has no way to turn them off), so its prompt lacks &lt;|notimestamps|&gt; and is one token shorter; every token
/// comes one position earlier, so it decodes one extra token first and then Kisei's sequence, token for token.
/// </item>
/// <item>
/// The reference model with greedy decoding only (no temperature fallback): both run Whisper's arithmetic on the same
/// weights, but whisper.cpp rounds activations to f16 before each matrix product and keeps f16 caches, while Kisei
/// computes in f32 with an f16 self-attention cache; on random weights two candidates are often nearly tied, so after
/// a few tokens one may take the other branch. Whisper.net 1.9.1 also bundles another whisper.cpp than the reference
/// data's 233fe1fc9. The first token must agree; how many more do is written to the output. Measured: on
/// clip-scream.wav the first five agree, on clip-tone.wav only the first, then the two engines take different
/// branches of a near tie.
/// </item>
/// <item>
/// The reference model as the app runs each engine (not run here: up to six decodes of 220 tokens per clip): every
/// window loops to the step limit, so whisper.cpp fails it and falls back to sampling at higher temperatures, keeping
/// what it sampled last, while Kisei counts a failed window as no speech. They are not expected to agree.
/// </item>
/// </list>
/// </summary>
public sealed class EngineAgreementTests(ITestOutputHelper output)
{
    public static TheoryData<int, int> Scripted() => new() { { 16, 40 }, { 12, 20 } };

    [Theory]
    [MemberData(nameof(Scripted))]
    public async Task On_windows_that_end_both_engines_decode_the_same_tokens_after_whisper_nets_shorter_prompt(int cycle, int endStep)
    {
        var folder = Directory.CreateTempSubdirectory("kisei-agreement-").FullName;
        try
        {
            var model = SyntheticWhisperModel.Scripted(cycle, endStep).WriteTo(folder);
            var clip = WhisperReference.ReadClip("clip-scream.wav");

            var (managed, whisperNet) = await BothAsync(model, clip, temperatureFallback: true);

            Report($"scripted {cycle}/{endStep}", managed.Tokens, [.. whisperNet.Tokens.Skip(1)]);
            Assert.Equal(endStep, managed.Tokens.Count);
            Assert.Equal(1000 + cycle - 1, whisperNet.Tokens[0]);
            Assert.Equal(managed.Tokens, whisperNet.Tokens.Skip(1));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("clip-scream.wav")]
    [InlineData("clip-tone.wav")]
    public async Task On_the_reference_model_greedy_decoding_agrees_on_the_first_token(string clipName)
    {
        var clip = WhisperReference.ReadClip(clipName);

        var (managed, greedy) = await BothAsync(WhisperReference.ModelPath, clip, temperatureFallback: false);

        var decoded = managed.Windows.SelectMany(window => window.Tokens).ToList();
        Report($"{clipName}, greedy", decoded, greedy.Tokens);
        Assert.Equal(decoded[0], greedy.Tokens[0]);
        Assert.Empty(managed.Tokens);
    }

    private static async Task<(WhisperTranscription Managed, WhisperNetTranscription WhisperNet)> BothAsync(string model, float[] clip, bool temperatureFallback)
    {
        using var transcriber = WhisperTranscriber.Load(model, threads: 2);
        var managed = transcriber.Transcribe(clip, "ja", TestContext.Current.CancellationToken);
        using var recognizer = new WhisperNetRecognizer(new WhisperOptions { ModelPath = model, Threads = 2 }, temperatureFallback);
        var whisperNet = await recognizer.TranscribeAsync(clip, TestContext.Current.CancellationToken);
        return (managed, whisperNet);
    }

    private void Report(string what, IReadOnlyList<int> managed, IReadOnlyList<int> whisperNet)
    {
        var prefix = managed.Zip(whisperNet).TakeWhile(pair => pair.First == pair.Second).Count();
        var longest = Math.Max(managed.Count, whisperNet.Count);
        output.WriteLine($"{what}: managed {managed.Count} tokens, Whisper.net {whisperNet.Count}; the first {prefix} agree ({(longest == 0 ? 1 : prefix / (double)longest):P0} of the longer)");
    }
}
