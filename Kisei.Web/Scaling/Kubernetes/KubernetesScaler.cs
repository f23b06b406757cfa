using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// Scales a Deployment through the Kubernetes API's scale subresource (DESIGN §3). Each call is retried
/// with exponential backoff and jitter while the failure is transient; the last failure is thrown as a
/// <see cref="KubernetesApiException"/> for the scaling job to record.
/// </summary>
public sealed class KubernetesScaler(
    HttpClient httpClient,
    KubernetesConnection connection,
    IOptions<ClusterOptions> options,
    TimeProvider timeProvider,
    ILogger<KubernetesScaler> logger) : IClusterScaler
{
    private const int MaxErrorBodyBytes = 64 * 1024;
    private static readonly MediaTypeHeaderValue MergePatch = new("application/merge-patch+json");

    public bool IsSimulated => false;

    public Task<DeploymentScale> GetScaleAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, replicas: null, cancellationToken);

    public Task<DeploymentScale> SetReplicasAsync(int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        return SendAsync(HttpMethod.Patch, replicas, cancellationToken);
    }

    /// <summary>
    /// The wait after failed attempt <paramref name="failedAttempt"/>: the initial backoff doubled per
    /// failure, capped, then scaled by a factor in [0.5, 1) from <paramref name="jitter"/> in [0, 1) so
    /// that replicas failing together do not retry together.
    /// </summary>
    internal static TimeSpan Backoff(int failedAttempt, TimeSpan initial, TimeSpan max, double jitter)
    {
        var exponentialMilliseconds = initial.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempt - 1, 30));
        var cappedMilliseconds = Math.Min(exponentialMilliseconds, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(cappedMilliseconds * (0.5 + (0.5 * jitter)));
    }

    private async Task<DeploymentScale> SendAsync(HttpMethod method, int? replicas, CancellationToken cancellationToken)
    {
        var settings = options.Value.Kubernetes;
        var deployment = options.Value.Deployment;
        var path = $"apis/apps/v1/namespaces/{Uri.EscapeDataString(connection.Namespace)}/deployments/{Uri.EscapeDataString(deployment)}/scale";
        var tokenReread = false;
        for (var attempt = 1; ; attempt++)
        {
            KubernetesLog.Attempting(logger, method.Method, path, attempt, connection.Source);
            KubernetesApiException failure;
            try
            {
                return await SendOnceAsync(method, path, replicas, attempt, settings.RequestTimeout, cancellationToken);
            }
            catch (KubernetesApiException e)
            {
                failure = e;
                failure.Attempts = attempt;
            }

            var statusCode = (int?)failure.StatusCode;

            // A projected token can rotate between our read and the server's check; one fresh read settles it.
            if (failure.Kind == KubernetesErrorKind.Unauthorized && connection.Token?.FilePath is { } tokenPath && !tokenReread)
            {
                tokenReread = true;
                KubernetesLog.RereadingToken(logger, method.Method, path, attempt, tokenPath);
                continue;
            }

            if (!failure.IsTransient || attempt >= settings.MaxAttempts)
            {
                KubernetesLog.Failed(logger, failure, method.Method, path, attempt, failure.Kind, statusCode, failure.Message);
                throw failure;
            }

            var delay = Backoff(attempt, settings.InitialBackoff, settings.MaxBackoff, Random.Shared.NextDouble());
            if (failure.RetryAfter is { } retryAfter && retryAfter > delay)
            {
                delay = retryAfter < settings.MaxBackoff ? retryAfter : settings.MaxBackoff;
            }

            KubernetesLog.Retrying(logger, method.Method, path, attempt, failure.Kind, statusCode, failure.Message, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, timeProvider, cancellationToken);
        }
    }

    private async Task<DeploymentScale> SendOnceAsync(
        HttpMethod method, string path, int? replicas, int attempt, TimeSpan requestTimeout, CancellationToken cancellationToken)
    {
        // The timeout bounds real network I/O, so it runs on the wall clock rather than the injected TimeProvider.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(requestTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (connection.Token is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await token.ReadAsync(timeout.Token));
            }

            if (replicas is { } count)
            {
                var body = JsonSerializer.SerializeToUtf8Bytes(new ScalePatch(new ScaleReplicas(count)), ScaleJsonContext.Default.ScalePatch);
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = MergePatch } };
            }

            using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var elapsedMilliseconds = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            KubernetesLog.Answered(logger, method.Method, path, attempt, (int)response.StatusCode, elapsedMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorFromResponseAsync(method, path, response, timeProvider.GetUtcNow(), timeout.Token);
            }

            var scale = await JsonSerializer.DeserializeAsync(
                await response.Content.ReadAsStreamAsync(timeout.Token),
                ScaleJsonContext.Default.ScaleObject,
                timeout.Token);
            return ToDeploymentScale(scale, method, path);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.Timeout,
                $"Kubernetes API {method} {path} timed out after {requestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s ({connection.Server}).",
                innerException: e);
        }
        catch (HttpRequestException e)
        {
            var tls = e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException;
            throw new KubernetesApiException(
                tls ? KubernetesErrorKind.Tls : KubernetesErrorKind.Unreachable,
                $"Kubernetes API {method} {path} at {connection.Server} {(tls ? "failed the TLS handshake" : "could not be reached")}: {e.Message}",
                innerException: e);
        }
        catch (IOException e)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.Unreachable, $"Kubernetes API {method} {path}: the connection to {connection.Server} broke: {e.Message}", innerException: e);
        }
        catch (JsonException e)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.InvalidResponse, $"Kubernetes API {method} {path} answered with something other than a Scale object: {e.Message}", innerException: e);
        }
    }

    private DeploymentScale ToDeploymentScale(ScaleObject? scale, HttpMethod method, string path)
    {
        if (scale is null || scale.Kind != "Scale")
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.InvalidResponse, $"Kubernetes API {method} {path} answered with kind '{scale?.Kind}', not a Scale object.");
        }

        // Kubernetes omits zero values: no spec.replicas means 0 desired, no status.replicas means 0 running.
        var desired = scale.Spec?.Replicas ?? 0;
        var observed = scale.Status?.Replicas ?? 0;
        if (desired < 0 || observed < 0)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.InvalidResponse, $"Kubernetes API {method} {path} answered with negative replicas ({desired} desired, {observed} observed).");
        }

        return new DeploymentScale(
            scale.Metadata?.Namespace ?? connection.Namespace,
            scale.Metadata?.Name ?? options.Value.Deployment,
            desired,
            observed);
    }

    private static async Task<KubernetesApiException> ErrorFromResponseAsync(
        HttpMethod method, string path, HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var code = (int)status;
        var kind = code switch
        {
            401 => KubernetesErrorKind.Unauthorized,
            403 => KubernetesErrorKind.Forbidden,
            404 => KubernetesErrorKind.NotFound,
            409 => KubernetesErrorKind.Conflict,
            429 => KubernetesErrorKind.TooManyRequests,
            >= 500 => KubernetesErrorKind.ServerError,
            >= 400 => KubernetesErrorKind.Rejected,
            _ => KubernetesErrorKind.InvalidResponse,
        };
        var apiMessage = await ReadStatusMessageAsync(response, cancellationToken);
        var message = $"Kubernetes API {method} {path} answered {code} {response.ReasonPhrase}"
            + (apiMessage is null ? "." : $": {apiMessage}");
        return new KubernetesApiException(kind, message, status, apiMessage) { RetryAfter = RetryAfter(response, now) };
    }

    /// <summary>The message of a v1 Status body, or null for any other body; a proxy's HTML page is not an API message.</summary>
    private static async Task<string?> ReadStatusMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        try
        {
            var status = JsonSerializer.Deserialize(buffer.AsSpan(0, length), ScaleJsonContext.Default.ApiStatus);
            return status is { Kind: "Status", Message: { Length: > 0 } message } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => null,
        };
}
