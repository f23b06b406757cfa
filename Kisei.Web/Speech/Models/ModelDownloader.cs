using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Speech.Models;

/// <summary>
/// Downloads Whisper model files with progress, resume, a SHA-256 check and an atomic rename (docs/design.md §4).
/// </summary>
/// <remarks>
/// Bytes go to <c>&lt;file&gt;.part</c>. A later attempt sends <c>Range: bytes=N-</c> and appends when the
/// server answers 206, or starts over when it answers 200. Only a file whose size and SHA-256 match the
/// catalogue is renamed to its final name, so the final name never holds a partial or corrupt model.
/// A checksum mismatch deletes the partial file; any other failure keeps it for the next attempt to resume.
/// Redirects (Hugging Face sends downloads to its CDN) are followed by the HTTP handler.
/// </remarks>
public sealed class ModelDownloader(
    HttpClient httpClient,
    ModelStore store,
    IOptions<SpeechOptions> options,
    DownloadRetryPolicy policy,
    ILogger<ModelDownloader> logger)
{
    private const int BufferBytes = 81_920;

    /// <summary>The address a model is downloaded from: <c>Speech:DownloadBaseUrl</c> plus the file name.</summary>
    public Uri UriFor(ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var baseUrl = options.Value.DownloadBaseUrl;
        // Without the trailing slash, a relative file name would replace the last path segment.
        var baseUri = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute);
        return new Uri(baseUri, Uri.EscapeDataString(model.FileName));
    }

    /// <summary>
    /// Makes sure a catalogue model is in the model directory, downloading it when it is missing, and keeps
    /// <see cref="ModelStore.DownloadStatus"/> up to date. Returns the model file's full path.
    /// </summary>
    /// <exception cref="UnknownModelException">The name is not in <see cref="ModelCatalog"/>.</exception>
    /// <exception cref="ModelDownloadException">The download failed; the message says why.</exception>
    public Task<string> PullAsync(string name, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        PullAsync(ModelCatalog.Find(name), progress, cancellationToken);

    /// <inheritdoc cref="PullAsync(string, IProgress{DownloadProgress}?, CancellationToken)"/>
    public async Task<string> PullAsync(ModelInfo model, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var destination = store.PathFor(model);
        await store.DownloadGate.WaitAsync(cancellationToken);
        try
        {
            // A file under its final name was checked before it was renamed; re-hashing hundreds of
            // megabytes on every start would only catch damage done after that, so the size check suffices.
            if (store.IsInPlace(model))
            {
                store.Report(new ModelDownloadStatus(ModelDownloadState.Ready, model.Name, model.SizeBytes ?? 0, model.SizeBytes));
                return destination;
            }

            store.Report(new ModelDownloadStatus(ModelDownloadState.Downloading, model.Name, LengthOrZero(destination + ".part"), model.SizeBytes));
            // The status page reads every change, so a stalled download shows where it stopped.
            void ShowStatus(DownloadProgress value) => store.Report(new ModelDownloadStatus(
                ModelDownloadState.Downloading, model.Name, value.BytesReceived, value.TotalBytes, value.BytesPerSecond));
            try
            {
                await DownloadCoreAsync(model, destination, new ProgressMeter(progress, ShowStatus), cancellationToken);
            }
            catch (Exception exception)
            {
                var error = exception is OperationCanceledException ? "The download was cancelled." : exception.Message;
                store.Report(store.DownloadStatus with { State = ModelDownloadState.Failed, Model = model.Name, Error = error });
                throw;
            }

            var size = new FileInfo(destination).Length;
            store.Report(new ModelDownloadStatus(ModelDownloadState.Ready, model.Name, size, size, store.DownloadStatus.BytesPerSecond));
            return destination;
        }
        finally
        {
            store.DownloadGate.Release();
        }
    }

    /// <summary>
    /// <c>kisei model pull NAME</c>: downloads a catalogue model, writing a progress line to
    /// <paramref name="output"/> every few percent, and returns the model file's full path.
    /// </summary>
    /// <exception cref="UnknownModelException">The name is not in <see cref="ModelCatalog"/>.</exception>
    /// <exception cref="ModelDownloadException">The download failed; the message is one line for stderr.</exception>
    public Task<string> PullWithProgressLinesAsync(string name, TextWriter output, CancellationToken cancellationToken = default) =>
        PullWithProgressLinesAsync(ModelCatalog.Find(name), output, cancellationToken);

    /// <inheritdoc cref="PullWithProgressLinesAsync(string, TextWriter, CancellationToken)"/>
    public async Task<string> PullWithProgressLinesAsync(ModelInfo model, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        var destination = store.PathFor(model);
        var alreadyThere = store.IsInPlace(model);
        if (!alreadyThere)
            await output.WriteLineAsync($"Downloading {model.FileName} from {UriFor(model)} to {destination}");

        var path = await PullAsync(model, new ProgressLines(output, model.FileName), cancellationToken);
        await output.WriteLineAsync(alreadyThere
            ? $"{model.Name} is already at {path}"
            : $"Saved {model.Name} to {path} (SHA-256 checked)");
        return path;
    }

    /// <summary>
    /// Downloads <paramref name="model"/> from <see cref="UriFor"/> to <paramref name="destinationPath"/>,
    /// resuming <c>destinationPath.part</c> when it exists. Returns <paramref name="destinationPath"/>.
    /// </summary>
    /// <exception cref="ModelDownloadException">The download failed; the message says why.</exception>
    public Task<string> DownloadAsync(
        ModelInfo model,
        string destinationPath,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        return DownloadCoreAsync(model, destinationPath, new ProgressMeter(progress, null), cancellationToken);
    }

    private async Task<string> DownloadCoreAsync(ModelInfo model, string destinationPath, ProgressMeter meter, CancellationToken cancellationToken)
    {
        if (!IsSha256Hex(model.Sha256))
            throw new ArgumentException($"The SHA-256 of {model.Name} must be 64 lower-case hex digits.", nameof(model));

        destinationPath = Path.GetFullPath(destinationPath);
        var partPath = destinationPath + ".part";
        var uri = UriFor(model);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destinationPath)!);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ModelDownloadException(ModelDownloadFailure.Storage, $"Cannot create the folder for {destinationPath}: {exception.Message}", exception);
        }

        try
        {
            await FetchWithRetriesAsync(model, uri, partPath, meter, cancellationToken);
            await VerifyAsync(model, uri, partPath, cancellationToken);
            File.Move(partPath, destinationPath, overwrite: true);
        }
        catch (ModelDownloadException exception) when (exception.Failure == ModelDownloadFailure.ChecksumMismatch)
        {
            // The partial file cannot become the expected file, so resuming it would only fail again.
            File.Delete(partPath);
            throw;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ModelDownloadException(ModelDownloadFailure.Storage, $"Cannot write {destinationPath}: {exception.Message}", exception);
        }

        logger.LogInformation("Downloaded {Model} to {Path}; its SHA-256 matches", model.Name, destinationPath);
        return destinationPath;
    }

    private async Task FetchWithRetriesAsync(ModelInfo model, Uri uri, string partPath, ProgressMeter meter, CancellationToken cancellationToken)
    {
        // Counts failures in a row; an attempt that received bytes starts the count again, so a long
        // download over a flaky line keeps going while a dead server gives up after MaxAttempts.
        var failuresInARow = 0;
        while (true)
        {
            try
            {
                await FetchOnceAsync(model, uri, partPath, meter, cancellationToken);
                return;
            }
            catch (DownloadInterruptedException interruption)
            {
                failuresInARow = interruption.BytesReceived > 0 ? 1 : failuresInARow + 1;
                var resumeAt = LengthOrZero(partPath);
                if (failuresInARow >= policy.MaxAttempts)
                {
                    var kept = resumeAt > 0 ? $" The {resumeAt} bytes received are kept in {partPath}; the next pull resumes from there." : "";
                    throw new ModelDownloadException(ModelDownloadFailure.Network,
                        $"Downloading {uri} failed {failuresInARow} times in a row; last: {interruption.Message}{kept}",
                        interruption.InnerException);
                }

                var delay = policy.RetryDelay(failuresInARow);
                logger.LogWarning("Downloading {Uri} was interrupted ({Reason}); retrying from byte {Offset} in {Delay}",
                    uri, interruption.Message, resumeAt, delay);
                await policy.Delay(delay, cancellationToken);
            }
        }
    }

    private async Task FetchOnceAsync(ModelInfo model, Uri uri, string partPath, ProgressMeter meter, CancellationToken cancellationToken)
    {
        var existing = LengthOrZero(partPath);
        if (model.SizeBytes is long expected && existing > expected)
        {
            File.Delete(partPath);
            existing = 0;
        }

        if (existing > 0 && existing == model.SizeBytes)
        {
            meter.Report(existing, model.SizeBytes, force: true);
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (existing > 0)
            request.Headers.Range = new RangeHeaderValue(existing, null);

        using var response = await SendAsync(request, cancellationToken);
        bool append;
        long? total;
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent when existing > 0:
                var range = response.Content.Headers.ContentRange;
                if (range?.From is long from && from != existing)
                {
                    File.Delete(partPath);
                    throw new DownloadInterruptedException($"the server resumed at byte {from} instead of {existing}; starting over", 0);
                }

                append = true;
                total = range?.Length ?? (response.Content.Headers.ContentLength + existing);
                break;

            case HttpStatusCode.OK:
                if (existing > 0)
                    logger.LogInformation("{Uri} ignored the range request; downloading from the start", uri);
                append = false;
                total = response.Content.Headers.ContentLength;
                break;

            case HttpStatusCode.RequestedRangeNotSatisfiable when existing > 0:
                // The partial file may already be whole (the connection dropped after the last byte);
                // otherwise it does not fit the file the server has, and only a fresh start can help.
                var length = response.Content.Headers.ContentRange?.Length ?? model.SizeBytes;
                if (length == existing)
                {
                    meter.Report(existing, length, force: true);
                    return;
                }

                File.Delete(partPath);
                throw new DownloadInterruptedException("the server refused to resume the partial file; starting over", 0);

            case HttpStatusCode.NotFound or HttpStatusCode.Gone:
                throw new ModelDownloadException(ModelDownloadFailure.NotFound,
                    $"{uri} was not found (HTTP {(int)response.StatusCode}). Check the model name and Speech:DownloadBaseUrl.");

            case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                throw new DownloadInterruptedException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", 0);

            default:
                throw new ModelDownloadException(ModelDownloadFailure.HttpError,
                    $"{uri} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        }

        if (model.SizeBytes is long size && total is long offered && offered != size)
        {
            throw new ModelDownloadException(ModelDownloadFailure.ChecksumMismatch,
                $"{uri} offers {offered} bytes but {model.Name} is {size} bytes; refusing a file that cannot match its checksum.");
        }

        total = model.SizeBytes ?? total;
        await CopyBodyAsync(response, partPath, append ? existing : 0, total, meter, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(policy.ResponseTimeout);
        try
        {
            return await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DownloadInterruptedException($"no response within {policy.ResponseTimeout.TotalSeconds:0.#} s", 0, exception);
        }
        catch (HttpRequestException exception)
        {
            throw new DownloadInterruptedException(exception.Message, 0, exception);
        }
    }

    private async Task CopyBodyAsync(HttpResponseMessage response, string partPath, long offset, long? total, ProgressMeter meter, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        long received = 0;
        try
        {
            await using var file = new FileStream(partPath, offset > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write,
                FileShare.None, BufferBytes, FileOptions.Asynchronous);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            meter.Report(offset, total, force: true);
            while (true)
            {
                int read;
                idle.CancelAfter(policy.IdleTimeout);
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(0, BufferBytes), idle.Token);
                }
                catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DownloadInterruptedException($"no data for {policy.IdleTimeout.TotalSeconds:0.#} s", received, exception);
                }
                catch (Exception exception) when (exception is IOException or HttpRequestException)
                {
                    throw new DownloadInterruptedException($"the connection broke ({exception.Message})", received, exception);
                }

                if (read == 0)
                    break;
                if (total is long limit && offset + received + read > limit)
                {
                    throw new ModelDownloadException(ModelDownloadFailure.ChecksumMismatch,
                        $"{response.RequestMessage?.RequestUri} sent more than the expected {limit} bytes; refusing it.");
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                received += read;
                meter.Report(offset + received, total, force: false, newBytes: read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (total is long whole && offset + received < whole)
            throw new DownloadInterruptedException($"the connection closed at byte {offset + received} of {whole}", received);
        meter.Report(offset + received, total ?? offset + received, force: true);
    }

    private static async Task VerifyAsync(ModelInfo model, Uri uri, string partPath, CancellationToken cancellationToken)
    {
        var length = new FileInfo(partPath).Length;
        if (model.SizeBytes is long size && length != size)
        {
            throw new ModelDownloadException(ModelDownloadFailure.ChecksumMismatch,
                $"{uri} gave {length} bytes but {model.Name} is {size} bytes; the download was deleted.");
        }

        string actual;
        await using (var file = new FileStream(partPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
        }

        if (!string.Equals(actual, model.Sha256, StringComparison.Ordinal))
        {
            throw new ModelDownloadException(ModelDownloadFailure.ChecksumMismatch,
                $"{model.FileName} from {uri} has SHA-256 {actual}, expected {model.Sha256}; the download was deleted.");
        }
    }

    private static long LengthOrZero(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    internal static bool IsSha256Hex(string? value) =>
        value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>
    /// Turns byte counts into progress with a rate: every change to <paramref name="everyChange"/>,
    /// and about one report per percent to <paramref name="progress"/>.
    /// </summary>
    private sealed class ProgressMeter(IProgress<DownloadProgress>? progress, Action<DownloadProgress>? everyChange)
    {
        private const long UnknownTotalStepBytes = 1 << 20;
        private static readonly TimeSpan MaxQuietTime = TimeSpan.FromMilliseconds(500);

        private readonly Stopwatch clock = Stopwatch.StartNew();
        private long downloadedThisRun;
        private long lastReportedBytes = -1;
        private TimeSpan lastReportedAt;

        public void Report(long received, long? total, bool force, int newBytes = 0)
        {
            downloadedThisRun += newBytes;
            var now = clock.Elapsed;
            var seconds = now.TotalSeconds;
            var value = new DownloadProgress(received, total, seconds > 0 ? downloadedThisRun / seconds : 0);
            everyChange?.Invoke(value);
            if (progress is null)
                return;

            // About one report per percent, and at least one every half second while bytes arrive.
            var step = total is > 0 ? Math.Max(1, total.Value / 100) : UnknownTotalStepBytes;
            if (!force && received - lastReportedBytes < step && now - lastReportedAt < MaxQuietTime)
                return;
            if (received == lastReportedBytes && !force)
                return;

            lastReportedBytes = received;
            lastReportedAt = now;
            progress.Report(value);
        }
    }

    /// <summary>Writes a line every five percent (or every 16 MiB when the size is unknown).</summary>
    private sealed class ProgressLines(TextWriter output, string fileName) : IProgress<DownloadProgress>
    {
        private long lastBucket = -1;

        public void Report(DownloadProgress value)
        {
            var bucket = value.TotalBytes is > 0 ? value.BytesReceived * 20 / value.TotalBytes.Value : value.BytesReceived >> 24;
            if (bucket == lastBucket)
                return;
            lastBucket = bucket;
            var line = value.TotalBytes is long total
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{fileName}: {Megabytes(value.BytesReceived)} of {Megabytes(total)} MB ({value.Fraction * 100:0}%), {Megabytes((long)value.BytesPerSecond)} MB/s")
                : string.Create(CultureInfo.InvariantCulture,
                    $"{fileName}: {Megabytes(value.BytesReceived)} MB, {Megabytes((long)value.BytesPerSecond)} MB/s");
            output.WriteLine(line);
        }

        private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
    }

    /// <summary>A failure the next attempt may get past: a dropped connection, a timeout, a busy server.</summary>
    private sealed class DownloadInterruptedException(string message, long bytesReceived, Exception? innerException = null)
        : Exception(message, innerException)
    {
        public long BytesReceived { get; } = bytesReceived;
    }
}

/// <summary>How far a download has got.</summary>
/// <param name="BytesReceived">Bytes on disk, a resumed partial file included.</param>
/// <param name="TotalBytes">The file's size, when known.</param>
/// <param name="BytesPerSecond">The average rate of this download so far.</param>
public readonly record struct DownloadProgress(long BytesReceived, long? TotalBytes, double BytesPerSecond)
{
    /// <summary>The fraction received, 0 to 1, when the total is known.</summary>
    public double? Fraction => TotalBytes is > 0 ? Math.Min(1.0, (double)BytesReceived / TotalBytes.Value) : null;
}

/// <summary>Retries and timeouts for model downloads.</summary>
public sealed record DownloadRetryPolicy
{
    /// <summary>The defaults: five tries, 2 s doubling to 30 s between them, 30 s timeouts.</summary>
    public static DownloadRetryPolicy Default { get; } = new();

    /// <summary>Failed requests in a row (none receiving a byte) before the download gives up.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The wait before the first retry; each further retry waits twice as long.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for the response headers.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the body may stall before the connection counts as broken.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Waits between retries; tests swap it so they never sleep.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    /// <summary>The wait before retry number <paramref name="failuresInARow"/> (1-based).</summary>
    public TimeSpan RetryDelay(int failuresInARow)
    {
        var doublings = Math.Clamp(failuresInARow - 1, 0, 20);
        var delay = FirstRetryDelay * Math.Pow(2, doublings);
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }
}

/// <summary>Why a model download failed.</summary>
public enum ModelDownloadFailure
{
    /// <summary>The server has no such file (HTTP 404 or 410).</summary>
    NotFound,

    /// <summary>The server refused the request with another HTTP status.</summary>
    HttpError,

    /// <summary>The connection kept failing or timing out until the attempts ran out.</summary>
    Network,

    /// <summary>The bytes received do not match the catalogue's size or SHA-256.</summary>
    ChecksumMismatch,

    /// <summary>The file could not be written.</summary>
    Storage,
}

/// <summary>A model download failed; the message is one sentence a user can act on.</summary>
public sealed class ModelDownloadException(ModelDownloadFailure failure, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>Why the download failed.</summary>
    public ModelDownloadFailure Failure { get; } = failure;
}
