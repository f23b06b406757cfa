using Kisei.Web.Speech.Models;
using Kisei.Whisper;
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
    private bool disposed;

    public string Name => Current().Name;

    /// <summary>The model file Whisper loads, or null while the syllable estimator is in use.</summary>
    public string? ModelPath => store.FindModelFile();

    public async ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
    {
        while (true)
        {
            var recognizer = Current();
            try
            {
                return await recognizer.RecognizeAsync(samples16kHz, cancellationToken);
            }
            catch (ObjectDisposedException) when (!ReferenceEquals(recognizer, Current()))
            {
                // The model changed between choosing the recognizer and using it: use the new one.
            }
        }
    }

    public void Dispose()
    {
        WhisperRecognizer? old;
        lock (gate)
        {
            disposed = true;
            old = whisper;
            whisper = null;
        }

        old?.Dispose();
    }

    /// <summary>
    /// The recognizer for the model file found now. A replaced Whisper recognizer is disposed outside the lock:
    /// its Dispose waits for a transcription in flight, which must not hold up the other screams.
    /// </summary>
    private ISpeechRecognizer Current()
    {
        var path = store.FindModelFile();
        WhisperRecognizer? replaced = null;
        ISpeechRecognizer current;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (path is null)
            {
                // No model any more: let the old one's memory go.
                (replaced, whisper) = (whisper, null);
                current = syllables;
            }
            else
            {
                if (whisper?.Options.ModelPath != path)
                {
                    replaced = whisper;
                    whisper = new WhisperRecognizer(new WhisperOptions { ModelPath = path, Language = options.Value.Language, Threads = options.Value.Threads });
                }

                current = whisper;
            }
        }

        replaced?.Dispose();
        return current;
    }
}
