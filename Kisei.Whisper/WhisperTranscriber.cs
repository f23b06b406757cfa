using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kisei.Whisper;

/// <summary>
/// Kisei's Whisper engine: 16 kHz mono samples in, tokens and text out. It owns the packed weights, the worker
/// threads and every buffer, so a transcription allocates little beyond its spectrogram and result. Calls are
/// serialized: one transcription at a time uses all the configured threads.
/// </summary>
/// <remarks>
/// Audio longer than 30 s is cut into back-to-back 30 s windows of the one spectrogram, each decoded on its own
/// with the same prompt and no text carried over (whisper.cpp with no context and no timestamps does the same, as
/// it then always advances by a full window). A last window that would start within 100 ms of the end of the audio
/// is skipped, as in whisper.cpp; the first window is always decoded, even for very short audio. Each window is
/// checked with whisper.cpp's failure rules (the step limit reached without end-of-text, or a low-entropy sequence
/// of more than 32 tokens): a failed window keeps its tokens in <see cref="WhisperTranscription.Windows"/> but adds
/// none to the text, since a hallucination loop is not speech.
/// </remarks>
public sealed class WhisperTranscriber : IDisposable
{
    private const int MinimumWindowFrames = 10;

    /// <summary>Spectrogram frames of 30 s of audio (30 s more are padded on), the longest clip whose buffer is kept.</summary>
    private const int KeptMelFrames = 2 * LogMel.WindowFrames;

    /// <summary>Bytes read from the model file at a time while loading: small enough for the small-object heap.</summary>
    private const int LoadBufferBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly WhisperWeights _weights;
    private readonly WorkerPool _pool;
    private readonly MatMul _matMul;
    private readonly WhisperWorkspace _workspace;
    private readonly Encoder _encoder;
    private readonly Decoder _decoder;
    private readonly GreedyDecoder _greedy;
    private readonly LogMel _logMel;
    private readonly BackgroundThread? _driver;
    private AlignedBuffer<float>? _mel;
    private bool _disposed;

    /// <summary>Builds the engine from a loaded model; <paramref name="threads"/> ≤ 0 means one per processor.</summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="threads">The threads a transcription uses; ≤ 0 means one per processor.</param>
    /// <param name="background">
    /// Run every transcription on threads of lowered scheduling priority (nice 10 on Linux), the calling
    /// thread's share included, so that a host's other work (a web server's requests) goes first when the
    /// cores are contended, and the engine still has them all when they are not.
    /// </param>
    public WhisperTranscriber(GgmlModel model, int threads = 0, bool background = false)
        : this(model, new WhisperWeights(model ?? throw new ArgumentNullException(nameof(model))), threads, background)
    {
    }

    private WhisperTranscriber(GgmlModel model, WhisperWeights weights, int threads, bool background)
    {
        Hyperparameters = model.Hyperparameters;
        Vocabulary = model.Vocabulary;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _logMel = new LogMel(model.MelFilters, Hyperparameters.MelBands);
        _weights = weights;
        _pool = new WorkerPool(Threads, background);
        _driver = background ? new BackgroundThread("whisper-0") : null;
        var hp = Hyperparameters;
        _matMul = new MatMul(_pool, Math.Max(4 * hp.AudioState, 3 * Math.Max(hp.AudioState, hp.MelBands)));
        _workspace = new WhisperWorkspace(hp, Encoder.ScratchBytes(hp, Threads), _weights.HalfPrecisionActivations);
        _encoder = new Encoder(_weights, _pool, _matMul, _workspace);
        _decoder = new Decoder(_weights, _pool, _matMul, _workspace);
        _greedy = new GreedyDecoder(_decoder, Vocabulary, hp.MaxDecodedTokensPerWindow);
    }

    public WhisperHyperparameters Hyperparameters { get; }

    public Vocabulary Vocabulary { get; }

    public int Threads { get; }

    /// <summary>Bytes held by the packed weights.</summary>
    public long WeightBytes => _weights.ByteCount;

    /// <summary>Loads a ggml model file and builds the engine, repacking each tensor as it is read.</summary>
    /// <exception cref="WhisperModelException">The file is missing, unreadable or not a usable Whisper model.</exception>
    public static WhisperTranscriber Load(string modelPath, int threads = 0, bool background = false)
    {
        // Each tensor is read straight into its packed form a few rows at a time, so loading never holds a second
        // copy of the weights nor of any one tensor (base: 147 MB of weights, 53 MB in the largest tensor).
        var packed = new Dictionary<string, IDisposable>(StringComparer.Ordinal);
        var buffer = new byte[LoadBufferBytes];
        try
        {
            var model = GgmlModel.Load(modelPath, (tensor, data) => packed[tensor.Name] = WhisperWeights.Pack(tensor, data, buffer));
            return new WhisperTranscriber(model, new WhisperWeights(model.Hyperparameters, packed), threads, background);
        }
        catch
        {
            foreach (var weights in packed.Values)
            {
                weights.Dispose();
            }

            throw;
        }
    }

    /// <summary>The tokens of a multilingual model's prompt, or of an English-only model's (which has no language).</summary>
    /// <exception cref="ArgumentException">The model is multilingual and has no token for <paramref name="language"/>.</exception>
    public int[] Prompt(string language)
    {
        ArgumentNullException.ThrowIfNull(language);
        if (!Vocabulary.IsMultilingual)
        {
            return [Vocabulary.StartOfTranscript, Vocabulary.NoTimestamps];
        }

        if (!Vocabulary.TryGetLanguageToken(language, out var languageToken))
        {
            throw new ArgumentException($"The model has no language '{language}'. Use a Whisper language code such as ja or en.", nameof(language));
        }

        return [Vocabulary.StartOfTranscript, languageToken, Vocabulary.Transcribe, Vocabulary.NoTimestamps];
    }

    /// <summary>Runs every transcription on threads of lowered priority (see the constructor).</summary>
    public bool Background => _driver is not null;

    /// <summary>Transcribes 16 kHz mono samples (nominally in [-1, 1]) in <paramref name="language"/>.</summary>
    /// <exception cref="ArgumentException">A sample is not finite, or the language is unknown.</exception>
    public unsafe WhisperTranscription Transcribe(ReadOnlySpan<float> samples16kHz, string language = "ja", CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < samples16kHz.Length; i++)
        {
            if (!float.IsFinite(samples16kHz[i]))
            {
                throw new ArgumentException($"Sample {i} is not a finite number.", nameof(samples16kHz));
            }
        }

        var prompt = Prompt(language);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_driver is null)
            {
                return TranscribeCore(samples16kHz, prompt, cancellationToken);
            }

            // The caller waits until the driver is done, so the samples stay pinned for as long as it reads them.
            fixed (float* pinned = samples16kHz)
            {
                var address = (nint)pinned;
                var length = samples16kHz.Length;
                return _driver.Invoke(() => TranscribeCore(new ReadOnlySpan<float>((float*)address, length), prompt, cancellationToken));
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _driver?.Dispose();
            _pool.Dispose();
            _decoder.Dispose();
            _matMul.Dispose();
            _workspace.Dispose();
            _mel?.Dispose();
            _weights.Dispose();
        }
    }

    private WhisperTranscription TranscribeCore(ReadOnlySpan<float> samples, int[] prompt, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        // The spectrogram goes into a buffer kept for clips up to 30 s (the longest scream) and into a temporary one
        // for longer audio, so that transcribing leaves no garbage on the large-object heap.
        var frames = LogMel.FrameCount(samples.Length);
        var melLength = (long)Hyperparameters.MelBands * frames;
        using var temporary = frames > KeptMelFrames ? new AlignedBuffer<float>(melLength, zeroed: false) : null;
        if (temporary is null && (_mel is null || _mel.Length < melLength))
        {
            _mel?.Dispose();
            _mel = new AlignedBuffer<float>(melLength, zeroed: false);
        }

        var mel = (temporary ?? _mel!).Span[..checked((int)melLength)];
        _logMel.Compute(samples, mel);
        var melMilliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        // whisper.cpp's mel length for seeking: frames that hold audio (n_len_org).
        var audioFrames = 1 + ((samples.Length + 200 - LogMel.FrameLength) / LogMel.HopLength);
        var tokens = new List<int>(Hyperparameters.MaxDecodedTokensPerWindow);
        var windows = new List<WhisperWindow>(1);
        double encodeMilliseconds = 0, decodeMilliseconds = 0, logProbabilitySum = 0;
        var noSpeech = double.PositiveInfinity;
        var sampled = 0;
        for (var seek = 0; seek == 0 || seek + MinimumWindowFrames < audioFrames; seek += LogMel.WindowFrames)
        {
            cancellationToken.ThrowIfCancellationRequested();
            start = Stopwatch.GetTimestamp();
            _encoder.Encode(mel, frames, seek);
            _decoder.BeginWindow();
            encodeMilliseconds += Stopwatch.GetElapsedTime(start).TotalMilliseconds;

            start = Stopwatch.GetTimestamp();
            var decoded = new List<int>(Hyperparameters.MaxDecodedTokensPerWindow);
            var window = _greedy.Decode(prompt, decoded, cancellationToken);
            decodeMilliseconds += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            noSpeech = Math.Min(noSpeech, window.NoSpeechProbability);
            logProbabilitySum += window.LogProbabilitySum;
            sampled += window.SampledTokens;
            windows.Add(new WhisperWindow((double)seek * LogMel.HopLength / LogMel.SampleRateHz, window.Outcome, decoded));
            if (window.Outcome == WindowOutcome.Completed)
            {
                // A failed window is a loop, not speech (whisper.cpp's failure rules): it adds nothing to the text.
                tokens.AddRange(decoded);
            }
        }

        return new WhisperTranscription(
            tokens,
            Vocabulary.Decode(CollectionsMarshal.AsSpan(tokens)),
            noSpeech,
            sampled == 0 ? 0 : logProbabilitySum / sampled,
            melMilliseconds,
            encodeMilliseconds,
            decodeMilliseconds,
            sampled,
            windows);
    }
}
