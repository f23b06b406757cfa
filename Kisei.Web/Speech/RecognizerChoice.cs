using Kisei.Web.Speech.Models;
using Kisei.Web.Speech.Whisper;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Speech;

/// <summary>
/// The recognizer the app scores with (DESIGN §1.1 step 3): the managed Whisper engine when the model
/// store finds a model file, the syllable estimator otherwise. The store is asked on every scream,
/// so a model that finishes downloading after start is used from the next scream on.
/// </summary>
public sealed class RecognizerChoice(ModelStore store, IOptions<SpeechOptions> options, SyllableRecognizer syllables) : ISpeechRecognizer, IDisposable
{
    private readonly Lock gate = new();
    private WhisperRecognizer? whisper;

    public string Name => Current().Name;

    /// <summary>The model file Whisper loads, or null while the syllable estimator is in use.</summary>
    public string? ModelPath => store.FindModelFile();

    public ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken) =>
        Current().RecognizeAsync(samples16kHz, cancellationToken);

    public void Dispose()
    {
        lock (gate)
        {
            whisper?.Dispose();
            whisper = null;
        }
    }

    private ISpeechRecognizer Current()
    {
        var path = store.FindModelFile();
        if (path is null)
        {
            return syllables;
        }

        lock (gate)
        {
            if (whisper?.Options.ModelPath != path)
            {
                whisper?.Dispose();
                whisper = new WhisperRecognizer(new WhisperOptions { ModelPath = path, Language = options.Value.Language, Threads = options.Value.Threads });
            }

            return whisper;
        }
    }
}
