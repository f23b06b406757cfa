namespace Kisei.Web.Speech;

/// <summary>
/// Turns a scream into speech characters (docs/design.md §1.1 step 3). Implementations: the managed Whisper
/// engine and the syllable estimator. A recognizer that cannot produce a result throws
/// <see cref="SpeechRecognitionException"/>; the scream is then marked failed, never scored as silence.
/// </summary>
public interface ISpeechRecognizer
{
    /// <summary>The name stored with every result: "whisper" or "syllables".</summary>
    string Name { get; }

    /// <summary>Recognizes 16 kHz mono samples in [-1, 1].</summary>
    ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken);
}

/// <summary>What a recognizer heard.</summary>
/// <param name="Recognizer">The recognizer's <see cref="ISpeechRecognizer.Name"/>.</param>
/// <param name="SpeechCharacters">r before the no-speech rule: code points of the transcript, or syllable nuclei.</param>
/// <param name="Transcript">The decoded text, or null for a recognizer that produces none.</param>
/// <param name="NoSpeechProbability">Whisper's no-speech probability, when the recognizer reports one.</param>
/// <param name="AverageLogProbability">The mean log-probability of the decoded tokens, when reported.</param>
public sealed record Recognition(
    string Recognizer,
    int SpeechCharacters,
    string? Transcript,
    double? NoSpeechProbability = null,
    double? AverageLogProbability = null);

/// <summary>Recognition failed; the scream can be retried.</summary>
public sealed class SpeechRecognitionException(string message, Exception? innerException = null)
    : Exception(message, innerException);
