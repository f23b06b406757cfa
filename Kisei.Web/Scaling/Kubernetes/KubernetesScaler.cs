using System.Globalization;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// Scales a Deployment through the scale subresource with KubernetesClient (docs/design.md §1.4). Each call runs in
/// a Polly pipeline: a timeout per attempt, retries with exponential backoff and jitter while the failure
/// is transient, and one immediate retry after a 401 when the token comes from a file (it may have rotated
/// between the read and the server's check). The last failure is thrown as a
/// <see cref="KubernetesApiException"/> for the scaling job to record.
/// </summary>
/// <remarks>
/// Polly wraps the API call rather than the HTTP handler (Microsoft.Extensions.Http.Resilience) because
/// KubernetesClient sets the Authorization header before its handlers run: a handler-level retry would
/// resend a refused token, and the client's typed errors are easier to classify than raw responses.
/// </remarks>
public sealed class KubernetesScaler : IClusterScaler
{
    private readonly IKubernetes _client;
    private readonly KubernetesConnection _connection;
    private readonly string _deployment;
    private readonly TimeSpan _requestTimeout;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<KubernetesScaler> _logger;

    public KubernetesScaler(
        IKubernetes client,
        KubernetesConnection connection,
        IOptions<ClusterOptions> options,
        TimeProvider timeProvider,
        ILogger<KubernetesScaler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _connection = connection;
        _deployment = options.Value.Deployment;
        _requestTimeout = options.Value.Kubernetes.RequestTimeout;
        _logger = logger;
        _pipeline = BuildPipeline(options.Value.Kubernetes, connection.TokenFile is not null, timeProvider);
        if (connection.Configuration.SkipTlsVerify)
        {
            KubernetesLog.InsecureSkipTlsVerify(logger, connection.Source, connection.Server);
        }
    }

    public bool IsSimulated => false;

    public Task<DeploymentScale> GetScaleAsync(CancellationToken cancellationToken) =>
        CallAsync(
            "GET",
            token => _client.AppsV1.ReadNamespacedDeploymentScaleAsync(_deployment, _connection.Namespace, cancellationToken: token),
            cancellationToken);

    public Task<DeploymentScale> SetReplicasAsync(int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        var body = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }.ToJsonString();
        var patch = new V1Patch(body, V1Patch.PatchType.MergePatch);
        return CallAsync(
            "PATCH",
            token => _client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, _deployment, _connection.Namespace, cancellationToken: token),
            cancellationToken);
    }

    private ResiliencePipeline BuildPipeline(KubernetesConnectionOptions settings, bool tokenFromFile, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (tokenFromFile)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is KubernetesApiException { Kind: KubernetesErrorKind.Unauthorized }),
                MaxRetryAttempts = 1,
                Delay = TimeSpan.Zero,
                OnRetry = args =>
                {
                    KubernetesLog.RereadingToken(_logger, _connection.TokenFile!.Path);
                    return ValueTask.CompletedTask;
                },
            });
        }

        if (settings.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException or KubernetesApiException { IsTransient: true }),
                MaxRetryAttempts = settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.InitialBackoff,
                MaxDelay = settings.MaxBackoff,
                // The API server's Retry-After (429, and some 5xx), when it asks for longer than the backoff.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is KubernetesApiException { RetryAfter: { } retryAfter }
                        ? (TimeSpan?)(retryAfter < settings.MaxBackoff ? retryAfter : settings.MaxBackoff)
                        : null),
                OnRetry = args =>
                {
                    var failure = Describe(args.Outcome.Exception!);
                    KubernetesLog.Retrying(_logger, args.AttemptNumber + 1, failure.Kind, (int?)failure.StatusCode, failure.Message, (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.AddTimeout(settings.RequestTimeout).Build();
    }

    private async Task<DeploymentScale> CallAsync(string method, Func<CancellationToken, Task<V1Scale>> call, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            var scale = await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    try
                    {
                        return await call(token);
                    }
                    catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or JsonException)
                    {
                        throw Describe(e);
                    }
                },
                cancellationToken);
            return ToDeploymentScale(scale);
        }
        catch (Exception e) when (e is KubernetesApiException or TimeoutRejectedException)
        {
            var failure = Describe(e);
            failure.Attempts = attempts;
            KubernetesLog.Failed(_logger, failure, method, _connection.Namespace, _deployment, attempts, failure.Kind, (int?)failure.StatusCode, failure.Message);
            throw failure;
        }
    }

    /// <summary>The client's exception, or Polly's timeout, as the kind of failure the scaling run records.</summary>
    private KubernetesApiException Describe(Exception exception)
    {
        var scale = $"deployments/{_deployment}/scale in {_connection.Namespace} at {_connection.Server}";
        switch (exception)
        {
            case KubernetesApiException known:
                return known;
            case TimeoutRejectedException:
                return new KubernetesApiException(
                    KubernetesErrorKind.Timeout,
                    $"Kubernetes API {scale} timed out after {_requestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.",
                    innerException: exception);
            case HttpOperationException { Response: { } response }:
                var code = (int)response.StatusCode;
                var kind = code switch
                {
                    401 => KubernetesErrorKind.Unauthorized,
                    403 => KubernetesErrorKind.Forbidden,
                    404 => KubernetesErrorKind.NotFound,
                    409 => KubernetesErrorKind.Conflict,
                    429 => KubernetesErrorKind.TooManyRequests,
                    >= 500 => KubernetesErrorKind.ServerError,
                    _ => KubernetesErrorKind.Rejected,
                };
                var apiMessage = StatusMessage(response.Content);
                return new KubernetesApiException(
                    kind,
                    $"Kubernetes API {scale} answered {code} {response.ReasonPhrase}" + (apiMessage is null ? "." : $": {apiMessage}"),
                    response.StatusCode,
                    apiMessage,
                    exception)
                {
                    RetryAfter = RetryAfter(response),
                };
            case HttpRequestException request when request.HttpRequestError == HttpRequestError.SecureConnectionError || request.InnerException is AuthenticationException:
                return new KubernetesApiException(KubernetesErrorKind.Tls, $"Kubernetes API {scale} failed the TLS handshake: {exception.Message}", innerException: exception);
            case HttpRequestException or IOException:
                return new KubernetesApiException(KubernetesErrorKind.Unreachable, $"Kubernetes API {scale} could not be reached: {exception.Message}", innerException: exception);
            default:
                return new KubernetesApiException(
                    KubernetesErrorKind.InvalidResponse, $"Kubernetes API {scale} answered with something other than a Scale object: {exception.Message}", innerException: exception);
        }
    }

    private DeploymentScale ToDeploymentScale(V1Scale? scale)
    {
        // Kubernetes omits zero values: no spec.replicas means 0 desired, no status.replicas means 0 running.
        var desired = scale?.Spec?.Replicas ?? 0;
        var observed = scale?.Status?.Replicas ?? 0;
        if (scale?.Kind != "Scale" || desired < 0 || observed < 0)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.InvalidResponse,
                $"Kubernetes API deployments/{_deployment}/scale answered with kind '{scale?.Kind}', {desired} desired and {observed} observed replicas: not a valid Scale.");
        }

        return new DeploymentScale(scale.Metadata?.NamespaceProperty ?? _connection.Namespace, scale.Metadata?.Name ?? _deployment, desired, observed);
    }

    /// <summary>The message of a v1 Status body, or null for any other body; a proxy's HTML page is not an API message.</summary>
    private static string? StatusMessage(string? body)
    {
        try
        {
            var status = string.IsNullOrEmpty(body) ? null : KubernetesJson.Deserialize<V1Status>(body);
            return status is { Kind: "Status", Message: { Length: > 0 } message } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessageWrapper response) =>
        response.Headers.TryGetValue("Retry-After", out var values)
        && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
