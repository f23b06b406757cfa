using Kisei.Whisper;

namespace Kisei.Web.Speech;

/// <summary>
/// <see cref="ISpeechRecognizer"/> over the managed Whisper engine. The model is loaded on first use (so a missing
/// file fails a recognition, not the app's start) and kept; a load that failed is tried again on the next call.
/// Recognitions run one at a time, each using all the configured threads at a lowered scheduling priority
/// (nice 10 on Linux): one replica transcribes one scream at a time, and never ahead of a page.
/// </summary>
public sealed class WhisperRecognizer(WhisperOptions options) : ISpeechRecognizer, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WhisperTranscriber? _transcriber;
    private bool _disposed;

    public const string RecognizerName = "whisper";

    public string Name => RecognizerName;

    public WhisperOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>
    /// Code points as Python's len() counts them: a surrogate pair is one, and a lone surrogate (which UTF-8 decoding
    /// never produces) would be one as well.
    /// </summary>
    public static int CountCodePoints(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    public async ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await Task.Run(() => Recognize(samples16kHz, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _disposed = true;
            _transcriber?.Dispose();
            _transcriber = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Recognition Recognize(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        try
        {
            // In the background: the engine's threads give way to the web server's when both want a core, so
            // pages stay fast while a scream is transcribed, and scoring still has every core when they idle.
            _transcriber ??= WhisperTranscriber.Load(Options.ModelPath, Options.Threads, background: true);
            var result = _transcriber.Transcribe(samples.Span, Options.Language, cancellationToken);
            return new Recognition(Name, CountCodePoints(result.Text), result.Text, result.NoSpeechProbability, result.AverageLogProbability);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is WhisperModelException or ArgumentException or InvalidOperationException or IOException or OutOfMemoryException or AggregateException)
        {
            throw new SpeechRecognitionException($"Whisper could not transcribe the clip: {ex.Message}", ex);
        }
    }
}
