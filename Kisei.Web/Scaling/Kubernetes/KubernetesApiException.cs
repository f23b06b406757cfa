using System.Net;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>A Kubernetes API call failed after its last attempt. The scaling job records it; nothing falls back.</summary>
public sealed class KubernetesApiException : Exception
{
    public KubernetesApiException(
        KubernetesErrorKind kind,
        string message,
        HttpStatusCode? statusCode = null,
        string? apiMessage = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
        ApiMessage = apiMessage;
    }

    /// <summary>What went wrong, in terms the caller can act on.</summary>
    public KubernetesErrorKind Kind { get; }

    /// <summary>The HTTP status of the last answer, or null when none came (timeout, connection, TLS).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The message of the Status object the API returned, when it returned one.</summary>
    public string? ApiMessage { get; }

    /// <summary>How many requests were made, retries included.</summary>
    public int Attempts { get; internal set; } = 1;

    /// <summary>The server's Retry-After, when it sent one.</summary>
    internal TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether another attempt may succeed without anyone changing anything.</summary>
    public bool IsTransient => Kind is KubernetesErrorKind.Conflict or KubernetesErrorKind.TooManyRequests
        or KubernetesErrorKind.ServerError or KubernetesErrorKind.Timeout or KubernetesErrorKind.Unreachable;
}

/// <summary>The kinds of Kubernetes API failure (docs/design.md).</summary>
public enum KubernetesErrorKind
{
    /// <summary>401: the token or client certificate was not accepted.</summary>
    Unauthorized,

    /// <summary>403: the service account lacks the Role (deployments/scale get, patch).</summary>
    Forbidden,

    /// <summary>404: no such Deployment or namespace.</summary>
    NotFound,

    /// <summary>409: the object changed under the request.</summary>
    Conflict,

    /// <summary>400, 422 and other 4xx: the API refused the request as written.</summary>
    Rejected,

    /// <summary>429: the API server asked for fewer requests.</summary>
    TooManyRequests,

    /// <summary>5xx.</summary>
    ServerError,

    /// <summary>No answer within the request timeout.</summary>
    Timeout,

    /// <summary>The connection failed: refused, reset, name not resolved.</summary>
    Unreachable,

    /// <summary>The TLS handshake failed, most often a server certificate the configured CA did not sign.</summary>
    Tls,

    /// <summary>The credentials could not be read, for example a missing token file.</summary>
    Credentials,

    /// <summary>A 2xx answer that is not a Scale object.</summary>
    InvalidResponse,
}
