using Kisei.Web.Speech;

namespace Kisei.Web.Scoring;

/// <summary>
/// The score of one scream, docs/design.md §1.1: loudness X times speech factor Y, clamped to [0, 100].
/// </summary>
public static class ScoreCalculator
{
    /// <summary>k: characters a second that count as fully word-like (the original app's constant).</summary>
    public const double WordLikeCharactersPerSecond = 6.0;

    /// <summary>Whisper's own no-speech rule: above this no-speech probability…</summary>
    public const double NoSpeechProbabilityThreshold = 0.6;

    /// <summary>…and below this average log-probability, the transcript counts as empty.</summary>
    public const double AverageLogProbabilityThreshold = -1.0;

    /// <summary>Scores a scream of <paramref name="durationSeconds"/> with loudness X in [0, 1].</summary>
    public static ScoreBreakdown Compute(double durationSeconds, double loudness, Recognition recognition)
    {
        ArgumentNullException.ThrowIfNull(recognition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(durationSeconds);
        if (!double.IsFinite(loudness) || loudness is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(loudness), loudness, "Loudness must be in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(recognition.SpeechCharacters);

        var silenced = IsNoSpeech(recognition);
        var speechCharacters = silenced ? 0 : recognition.SpeechCharacters;

        // Y = 100 − 100·r/(k·l), from the original app's scoring.
        var speechFactor = 100.0 - (100.0 * speechCharacters / (WordLikeCharactersPerSecond * durationSeconds));

        // The original did not clamp, so a talkative clip scored below zero.
        var score = Math.Clamp(loudness * speechFactor, 0.0, 100.0);
        return new ScoreBreakdown(loudness, speechCharacters, speechFactor, Math.Round((decimal)score, 1, MidpointRounding.AwayFromZero), silenced);
    }

    /// <summary>
    /// Whisper's rule (its <c>no_speech_threshold</c> and <c>logprob_threshold</c>): a probable
    /// non-speech window whose tokens were also improbable is treated as silence. It stops
    /// hallucinations such as 「ご視聴ありがとうございました」 from counting as speech.
    /// </summary>
    public static bool IsNoSpeech(Recognition recognition)
    {
        ArgumentNullException.ThrowIfNull(recognition);
        return recognition.NoSpeechProbability is > NoSpeechProbabilityThreshold
            && recognition.AverageLogProbability is < AverageLogProbabilityThreshold;
    }
}

/// <summary>The parts of a score, as the result page shows them.</summary>
/// <param name="Loudness">X in [0, 1].</param>
/// <param name="SpeechCharacters">r after the no-speech rule.</param>
/// <param name="SpeechFactor">Y, which may be negative for a talkative clip.</param>
/// <param name="Score">X·Y clamped to [0, 100], rounded to one decimal.</param>
/// <param name="NoSpeechRuleApplied">Whether the no-speech rule set r to zero.</param>
public sealed record ScoreBreakdown(double Loudness, int SpeechCharacters, double SpeechFactor, decimal Score, bool NoSpeechRuleApplied);
