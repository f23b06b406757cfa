using System.Net.Http.Headers;
using k8s.Authentication;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>
/// A bearer token kept in a file: the pod's projected service-account token, or a kubeconfig's
/// <c>tokenFile</c>, which KubernetesClient does not read. The file is read before every request, retries
/// included, so a rotated token is used on the next call and a 401 retry sends the newest one.
/// </summary>
/// <remarks>
/// KubernetesClient's own TokenFileAuth keeps a token for a minute and cannot be told that the server just
/// refused it. Reading a 1 KB file once per 10 s scaling run costs nothing measurable.
/// </remarks>
internal sealed class TokenFile(string path) : ITokenProvider
{
    public string Path => path;

    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorKind.Credentials"/> when the file cannot be read or is empty.</exception>
    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.Credentials, $"The bearer token file {path} cannot be read: {e.Message}", innerException: e);
        }

        // A token with a line break in it would split the Authorization header.
        if (token.Length == 0 || token.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new KubernetesApiException(
                KubernetesErrorKind.Credentials, $"The bearer token file {path} is empty or holds more than one line.");
        }

        return new AuthenticationHeaderValue("Bearer", token);
    }
}
