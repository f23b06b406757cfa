using Kisei.Web.Speech.Models;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Speech;

/// <summary>
/// The recognizer the app scores with (docs/design.md §1.1 step 3, §4): a Whisper engine when the model store finds a
/// model file — Kisei's managed engine, or Whisper.net when <see cref="SpeechOptions.Engine"/> asks for it and its
/// native library loads — and the syllable estimator otherwise. The store is asked on every scream, so a model that
/// finishes downloading after start is used from the next scream on.
/// </summary>
public sealed class RecognizerChoice(ModelStore store, IOptions<SpeechOptions> options, SyllableRecognizer syllables, ILogger<RecognizerChoice> logger)
    : ISpeechRecognizer, IDisposable
{
    private readonly Lock gate = new();
    private readonly Lazy<string?> whisperNetProblem = new(() => CheckWhisperNet(options.Value, logger));
    private ISpeechRecognizer? whisper;
    private string? whisperModelPath;
    private bool disposed;

    public string Name => Current().Name;

    /// <summary>The model file Whisper loads, or null while the syllable estimator is in use.</summary>
    public string? ModelPath => store.FindModelFile();

    /// <summary>The Whisper engine that runs when a model is present: "whisper" (managed) or "whisper.net".</summary>
    public string Engine => options.Value.Engine == SpeechOptions.WhisperNetEngine && WhisperNetProblem is null
        ? WhisperNetRecognizer.RecognizerName
        : WhisperRecognizer.RecognizerName;

    /// <summary>Why Whisper.net was asked for but is not used (its native library is missing or broken), else null.</summary>
    public string? WhisperNetProblem => whisperNetProblem.Value;

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
        ISpeechRecognizer? old;
        lock (gate)
        {
            disposed = true;
            old = whisper;
            whisper = null;
        }

        (old as IDisposable)?.Dispose();
    }

    private static string? CheckWhisperNet(SpeechOptions options, ILogger logger)
    {
        if (options.Engine != SpeechOptions.WhisperNetEngine)
        {
            return null;
        }

        var problem = WhisperNetRuntime.Problem(options.WhisperNetRuntimeDirectory);
        if (problem is not null)
        {
            logger.LogError("Speech:Engine is whisper.net, but {Problem} Kisei's managed engine scores instead.", problem);
        }

        return problem;
    }

    /// <summary>
    /// The recognizer for the model file found now. A replaced Whisper recognizer is disposed outside the lock:
    /// its Dispose waits for a transcription in flight, which must not hold up the other screams.
    /// </summary>
    private ISpeechRecognizer Current()
    {
        var path = store.FindModelFile();
        var engine = path is null ? null : Engine;
        ISpeechRecognizer? replaced = null;
        ISpeechRecognizer current;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (path is null)
            {
                // No model any more: let the old one's memory go.
                (replaced, whisper, whisperModelPath) = (whisper, null, null);
                current = syllables;
            }
            else
            {
                if (whisper is null || whisperModelPath != path || whisper.Name != engine)
                {
                    replaced = whisper;
                    var whisperOptions = new WhisperOptions { ModelPath = path, Language = options.Value.Language, Threads = options.Value.Threads };
                    whisper = engine == WhisperNetRecognizer.RecognizerName ? new WhisperNetRecognizer(whisperOptions) : new WhisperRecognizer(whisperOptions);
                    whisperModelPath = path;
                }

                current = whisper;
            }
        }

        (replaced as IDisposable)?.Dispose();
        return current;
    }
}
