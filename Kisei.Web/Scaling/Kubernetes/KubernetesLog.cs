namespace Kisei.Web.Scaling.Kubernetes;

internal static partial class KubernetesLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API attempt {Attempt} failed ({Kind}, HTTP {StatusCode}): {Error}; retrying in {DelayMilliseconds} ms")]
    public static partial void Retrying(ILogger logger, int attempt, KubernetesErrorKind kind, int? statusCode, string error, long delayMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API answered 401; reading the token file {TokenPath} again, since it may have rotated")]
    public static partial void RereadingToken(ILogger logger, string tokenPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes API {Method} {Namespace}/{Deployment} scale failed after {Attempts} attempt(s) ({Kind}, HTTP {StatusCode}): {Error}")]
    public static partial void Failed(ILogger logger, Exception exception, string method, string @namespace, string deployment, int attempts, KubernetesErrorKind kind, int? statusCode, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} sets insecure-skip-tls-verify: the certificate of {Server} is not checked, so anyone on the path can read the token")]
    public static partial void InsecureSkipTlsVerify(ILogger logger, string source, Uri server);
}
