using Kisei.Web.Scoring;
using Whisper.net;
using Whisper.net.LibraryLoader;

namespace Kisei.Web.Speech;

/// <summary>
/// <see cref="ISpeechRecognizer"/> over Whisper.net (whisper.cpp inside, as a native library): the same model files,
/// language and threads as the managed engine, greedy decoding from temperature 0 with whisper.cpp's own temperature
/// fallback, no text carried between windows, and the no-speech rule applied by whisper.cpp with Kisei's thresholds
/// (a segment it judges speechless is left out, so r counts only what it kept). The model is loaded on first use and
/// kept; recognitions run one at a time, each with all the configured threads.
/// </summary>
/// <param name="options">The model file, language and threads.</param>
/// <param name="temperatureFallback">
/// Whether whisper.cpp decodes a failed window again at higher temperatures (0.2 more each time, up to 1.0), as it does
/// by default; without it, decoding is greedy only, as Kisei's engine is.
/// </param>
public sealed class WhisperNetRecognizer(WhisperOptions options, bool temperatureFallback = true) : ISpeechRecognizer, IDisposable
{
    public const string RecognizerName = "whisper.net";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private WhisperFactory? _factory;
    private WhisperProcessor? _processor;
    private bool _disposed;

    public string Name => RecognizerName;

    public WhisperOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public async ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
    {
        var result = await TranscribeAsync(samples16kHz, cancellationToken).ConfigureAwait(false);
        return new Recognition(Name, WhisperRecognizer.CountCodePoints(result.Text), result.Text, NoSpeechProbability: null, result.AverageLogProbability);
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _disposed = true;
            _processor?.Dispose();
            _factory?.Dispose();
            (_processor, _factory) = (null, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Transcribes 16 kHz mono samples: the text tokens of every segment whisper.cpp kept, and their text.</summary>
    /// <exception cref="SpeechRecognitionException">The model or the native library failed.</exception>
    public async Task<WhisperNetTranscription> TranscribeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await TranscribeCoreAsync(samples16kHz, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<WhisperNetTranscription> TranscribeCoreAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var text = new System.Text.StringBuilder();
        var tokens = new List<int>();
        var logProbabilitySum = 0.0;
        try
        {
            _processor ??= CreateProcessor();
            await foreach (var segment in _processor.ProcessAsync(samples, cancellationToken).ConfigureAwait(false))
            {
                text.Append(segment.Text);
                // whisper.cpp names its special tokens "[_EOT_]", "[_BEG_]", "[_TT_150]" and so on; the rest is text.
                foreach (var token in segment.Tokens.Where(token => token.Text?.StartsWith("[_", StringComparison.Ordinal) != true))
                {
                    tokens.Add(token.Id);
                    logProbabilitySum += token.ProbabilityLog;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is WhisperModelLoadException or WhisperProcessingException or ArgumentException or InvalidOperationException or IOException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new SpeechRecognitionException($"Whisper.net could not transcribe the clip: {ex.Message}", ex);
        }

        return new WhisperNetTranscription(
            tokens,
            text.ToString(),
            tokens.Count == 0 ? null : logProbabilitySum / tokens.Count,
            System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>Whether the ggml header's ftype (the 11th field after the magic) says f32 weights.</summary>
    private static bool IsFloat32Model(string path)
    {
        Span<byte> header = stackalloc byte[48];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
            && System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header[44..]) % 1000 == 0;
    }

    private WhisperProcessor CreateProcessor()
    {
        if (!File.Exists(Options.ModelPath))
        {
            throw new IOException($"No model file at {Options.ModelPath}.");
        }

        if (IsFloat32Model(Options.ModelPath))
        {
            // Whisper.net 1.9.1's whisper.cpp asserts f16 convolution weights, and a failed GGML_ASSERT aborts the
            // whole process: refuse such a file here instead.
            throw new IOException($"{Options.ModelPath} is an f32 model, which Whisper.net cannot run; use an f16 or quantized model, or Speech:Engine=managed.");
        }

        _factory ??= WhisperFactory.FromPath(Options.ModelPath, new WhisperFactoryOptions { UseGpu = false });
        return _factory.CreateBuilder()
            .WithLanguage(Options.Language)
            .WithThreads(Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount)
            .WithNoContext()
            .WithTemperature(0f)
            .WithTemperatureInc(temperatureFallback ? 0.2f : 0f)
            .WithNoSpeechThreshold((float)ScoreCalculator.NoSpeechProbabilityThreshold)
            .WithLogProbThreshold((float)ScoreCalculator.AverageLogProbabilityThreshold)
            .Build();
    }
}

/// <summary>What Whisper.net decoded from a clip.</summary>
/// <param name="Tokens">The text tokens of the segments whisper.cpp kept (no special or timestamp tokens).</param>
/// <param name="Text">The segments' text.</param>
/// <param name="AverageLogProbability">The mean log-probability of those tokens, or null when there are none.</param>
/// <param name="TotalMilliseconds">The whole transcription: spectrogram, encoder and decoder.</param>
public sealed record WhisperNetTranscription(IReadOnlyList<int> Tokens, string Text, double? AverageLogProbability, double TotalMilliseconds);

/// <summary>
/// Whether Whisper.net's native library (whisper.cpp for the CPU) can be loaded here, checked once before the app
/// relies on it: each file of the runtime folder is loaded in dependency order, as Whisper.net itself loads them.
/// A missing or unloadable library gives one clear message, and the app keeps the managed engine.
/// </summary>
public static class WhisperNetRuntime
{
    /// <summary>The native files, dependencies first.</summary>
    private static readonly string[] Libraries = ["libggml-base-whisper.so", "libggml-cpu-whisper.so", "libggml-whisper.so", "libwhisper.so"];

    /// <summary>Where the build puts the linux-x64 runtime: Whisper.net's own default search folder.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64");

    /// <summary>Null when the library loads, else why it does not.</summary>
    public static string? Problem(string? directory)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return $"Whisper.net is published here for linux-x64 only, not {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}.";
        }

        var folder = string.IsNullOrWhiteSpace(directory) ? DefaultDirectory : directory;
        foreach (var library in Libraries)
        {
            var path = Path.Combine(folder, library);
            if (!File.Exists(path))
            {
                return $"Whisper.net's native library is missing: {path} does not exist.";
            }

            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(path, out _))
            {
                return $"Whisper.net's native library {path} could not be loaded (a missing system library such as libgomp1, or a damaged file).";
            }
        }

        if (!string.IsNullOrWhiteSpace(directory))
        {
            RuntimeOptions.LibraryPath = Path.Combine(folder, "libwhisper.so");
        }

        return null;
    }
}
