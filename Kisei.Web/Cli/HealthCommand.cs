namespace Kisei.Web.Cli;

/// <summary>
/// <c>kisei health [URL]</c>: exits 0 when the liveness endpoint answers 200. The container's
/// HEALTHCHECK uses it, since the ASP.NET runtime image has no curl.
/// </summary>
internal static class HealthCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length > 1)
        {
            throw new CommandLineException("usage: kisei health [URL]");
        }

        var url = args.Length == 1 ? args[0] : "http://127.0.0.1:8080/healthz";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new CommandLineException($"not a URL: {url}");
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(uri);
            await output.WriteLineAsync($"{(int)response.StatusCode} {uri}");
            return response.IsSuccessStatusCode ? 0 : CommandLine.Failure;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"kisei health: {uri}: {exception.Message}");
            return CommandLine.Failure;
        }
    }
}
