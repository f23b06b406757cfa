using Kisei.Web.Scoring;
using Kisei.Web.Speech;

namespace Kisei.Web.Tests.Scoring;

public sealed class ScoreCalculatorTests
{
    private static Recognition Syllables(int count) => new("syllables", count, null);

    private static Recognition Whisper(int characters, double noSpeech, double averageLogProbability) =>
        new("whisper", characters, new string('あ', characters), noSpeech, averageLogProbability);

    [Theory]
    [InlineData(2.0, 0.5, 0, 50.0)]      // silent-sounding: Y = 100
    [InlineData(2.0, 0.5, 6, 25.0)]      // r/(6l) = 0.5: Y = 50
    [InlineData(1.0, 0.8, 3, 40.0)]
    [InlineData(10.0, 1.0, 0, 100.0)]
    [InlineData(1.0, 0.0, 0, 0.0)]
    public void Score_is_loudness_times_speech_factor(double durationSeconds, double loudness, int speechCharacters, double expected)
    {
        var breakdown = ScoreCalculator.Compute(durationSeconds, loudness, Syllables(speechCharacters));

        Assert.Equal((decimal)expected, breakdown.Score);
        Assert.Equal(100.0 - (100.0 * speechCharacters / (6.0 * durationSeconds)), breakdown.SpeechFactor, 12);
    }

    [Fact]
    public void A_talkative_clip_scores_zero_not_below()
    {
        var breakdown = ScoreCalculator.Compute(2.0, 0.9, Syllables(30));

        Assert.Equal(-150.0, breakdown.SpeechFactor, 12);
        Assert.Equal(0m, breakdown.Score);
    }

    [Fact]
    public void Score_is_rounded_to_one_decimal()
    {
        Assert.Equal(12.3m, ScoreCalculator.Compute(1.0, 0.12345, Syllables(0)).Score);
        Assert.Equal(12.4m, ScoreCalculator.Compute(1.0, 0.1236, Syllables(0)).Score);
    }

    [Fact]
    public void No_speech_rule_empties_an_improbable_transcript()
    {
        var breakdown = ScoreCalculator.Compute(2.0, 0.5, Whisper(12, noSpeech: 0.8, averageLogProbability: -1.4));

        Assert.True(breakdown.NoSpeechRuleApplied);
        Assert.Equal(0, breakdown.SpeechCharacters);
        Assert.Equal(50m, breakdown.Score);
    }

    [Theory]
    [InlineData(0.8, -0.5)]  // confident tokens: speech
    [InlineData(0.4, -1.5)]  // probably speech
    [InlineData(0.6, -1.5)]  // the thresholds are strict
    [InlineData(0.8, -1.0)]
    public void No_speech_rule_needs_both_conditions(double noSpeech, double averageLogProbability)
    {
        var breakdown = ScoreCalculator.Compute(2.0, 0.5, Whisper(6, noSpeech, averageLogProbability));

        Assert.False(breakdown.NoSpeechRuleApplied);
        Assert.Equal(6, breakdown.SpeechCharacters);
        Assert.Equal(25m, breakdown.Score);
    }

    [Fact]
    public void A_recognizer_without_probabilities_is_never_silenced()
    {
        var breakdown = ScoreCalculator.Compute(1.0, 1.0, Syllables(3));

        Assert.False(breakdown.NoSpeechRuleApplied);
        Assert.Equal(3, breakdown.SpeechCharacters);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(-1.0, 0.5)]
    [InlineData(1.0, -0.1)]
    [InlineData(1.0, 1.1)]
    [InlineData(1.0, double.NaN)]
    public void Impossible_inputs_are_refused(double durationSeconds, double loudness)
    {
        Assert.ThrowsAny<ArgumentException>(() => ScoreCalculator.Compute(durationSeconds, loudness, Syllables(0)));
    }
}
