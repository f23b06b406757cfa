using System.Numerics.Tensors;

namespace Kisei.Web.Speech;

/// <summary>
/// The fallback recognizer (docs/design.md §4): r is the number of syllable nuclei, and there is no transcript.
/// Used when no Whisper model is available.
/// </summary>
public sealed class SyllableRecognizer : ISpeechRecognizer
{
    public const string RecognizerName = "syllables";

    private const int SampleRateHz = 16_000;

    public string Name => RecognizerName;

    public ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var samples = samples16kHz.Span;
        if (!samples.IsEmpty && !float.IsFinite(TensorPrimitives.MaxMagnitude(samples)))
        {
            throw new SpeechRecognitionException("The samples include NaN or infinity; the syllable estimator cannot count them.");
        }

        var nuclei = SyllableEstimator.CountNuclei(samples, SampleRateHz);
        return ValueTask.FromResult(new Recognition(RecognizerName, nuclei, Transcript: null));
    }
}
