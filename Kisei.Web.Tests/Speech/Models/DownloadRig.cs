using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kisei.Web.Speech;
using Kisei.Web.Speech.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Speech.Models;

/// <summary>
/// A synthetic model served by a local server, a temporary content root, and a downloader whose retry
/// waits are recorded instead of slept.
/// </summary>
internal sealed class DownloadRig : IAsyncDisposable
{
    private readonly HttpClient httpClient = new();

    private DownloadRig(LocalFileServer server, byte[] payload, string contentRoot, DownloadRetryPolicy policy)
    {
        Server = server;
        Payload = payload;
        ContentRoot = contentRoot;
        Model = SyntheticModel(payload);
        Options = new SpeechOptions { DownloadBaseUrl = new Uri(server.Root, "files/").ToString() };
        Store = new ModelStore(Options, contentRoot);
        Policy = policy with { Delay = (delay, _) => { Delays.Enqueue(delay); return Task.CompletedTask; } };
        Downloader = new ModelDownloader(httpClient, Store, Microsoft.Extensions.Options.Options.Create(Options), Policy,
            NullLogger<ModelDownloader>.Instance);
    }

    public LocalFileServer Server { get; }
    public byte[] Payload { get; }
    public string ContentRoot { get; }
    public ModelInfo Model { get; }
    public SpeechOptions Options { get; }
    public ModelStore Store { get; }
    public DownloadRetryPolicy Policy { get; }
    public ModelDownloader Downloader { get; }

    /// <summary>The retry waits the downloader asked for.</summary>
    public ConcurrentQueue<TimeSpan> Delays { get; } = new();

    public string FinalPath => Store.PathFor(Model);
    public string PartPath => FinalPath + ".part";

    /// <summary>Starts a server for a payload of <paramref name="payloadBytes"/> random bytes.</summary>
    public static async Task<DownloadRig> StartAsync(
        int payloadBytes,
        Func<HttpContext, int, byte[], Task> handler,
        DownloadRetryPolicy? policy = null)
    {
        var payload = new byte[payloadBytes];
        new Random(payloadBytes).NextBytes(payload);
        var server = await LocalFileServer.StartAsync((context, number) => handler(context, number, payload));
        var contentRoot = Directory.CreateTempSubdirectory("kisei-models-").FullName;
        return new DownloadRig(server, payload, contentRoot, policy ?? new DownloadRetryPolicy());
    }

    public static ModelInfo SyntheticModel(byte[] payload, string name = "synthetic") =>
        new(name, ModelInfo.FileNameFor(name), payload.Length, Convert.ToHexStringLower(SHA256.HashData(payload)));

    public Task<string> DownloadAsync(IProgress<DownloadProgress>? progress = null, ModelInfo? model = null) =>
        Downloader.DownloadAsync(model ?? Model, FinalPath, progress, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        httpClient.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(ContentRoot, recursive: true);
    }
}

/// <summary>Collects progress reports on the reporting thread, in order.</summary>
internal sealed class RecordingProgress : IProgress<DownloadProgress>
{
    public List<DownloadProgress> Reports { get; } = [];

    public void Report(DownloadProgress value)
    {
        lock (Reports)
            Reports.Add(value);
    }
}

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> HoldsAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return true;
    }
}
