namespace Kisei.Web.Scaling.Kubernetes;

internal static partial class KubernetesLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Kubernetes API {Method} {Path}: attempt {Attempt} via {Source}")]
    public static partial void Attempting(ILogger logger, string method, string path, int attempt, string source);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kubernetes API {Method} {Path}: attempt {Attempt} answered {StatusCode} in {ElapsedMilliseconds} ms")]
    public static partial void Answered(ILogger logger, string method, string path, int attempt, int statusCode, long elapsedMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API {Method} {Path}: attempt {Attempt} failed ({Kind}, HTTP {StatusCode}): {Error}; retrying in {DelayMilliseconds} ms")]
    public static partial void Retrying(ILogger logger, string method, string path, int attempt, KubernetesErrorKind kind, int? statusCode, string error, long delayMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API {Method} {Path}: attempt {Attempt} got 401; reading the token file {TokenPath} again, since it may have rotated")]
    public static partial void RereadingToken(ILogger logger, string method, string path, int attempt, string tokenPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API {Method} {Path}: failed after {Attempts} attempt(s) ({Kind}, HTTP {StatusCode}): {Error}")]
    public static partial void Failed(ILogger logger, Exception exception, string method, string path, int attempts, KubernetesErrorKind kind, int? statusCode, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} sets insecure-skip-tls-verify: the certificate of {Server} is not checked, so anyone on the path can read the token")]
    public static partial void InsecureSkipTlsVerify(ILogger logger, string source, Uri server);
}
