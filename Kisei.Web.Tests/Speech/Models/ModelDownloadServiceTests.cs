using Kisei.Web.Speech.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kisei.Web.Tests.Speech.Models;

/// <summary>The background download, wired as the app wires it, against a local server.</summary>
public sealed class ModelDownloadServiceTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string contentRoot = Directory.CreateTempSubdirectory("kisei-service-").FullName;
    private readonly ModelInfo tiny = ModelCatalog.Find("tiny");

    public void Dispose() => Directory.Delete(contentRoot, recursive: true);

    private IHost BuildHost(LocalFileServer server, bool downloadOnStart = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Speech:Model"] = "tiny",
            ["Speech:DownloadOnStart"] = downloadOnStart ? "true" : "false",
            ["Speech:DownloadBaseUrl"] = new Uri(server.Root, "files/").ToString(),
        });
        builder.Services.AddSingleton(new DownloadRetryPolicy { Delay = (_, _) => Task.CompletedTask });
        builder.AddSpeechModels();
        return builder.Build();
    }

    private static Task BackgroundWork(IHost host) =>
        host.Services.GetServices<IHostedService>().OfType<ModelDownloadService>().Single().ExecuteTask!;

    [Fact]
    public async Task Nothing_is_downloaded_unless_download_on_start_is_set()
    {
        await using var server = await LocalFileServer.StartAsync((context, _) => Task.CompletedTask);
        using var host = BuildHost(server, downloadOnStart: false);

        await host.StartAsync(TestContext.Current.CancellationToken);
        await BackgroundWork(host).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Empty(server.Requests);
        Assert.Equal(ModelDownloadState.None, host.Services.GetRequiredService<ModelStore>().DownloadStatus.State);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_failed_download_shows_in_the_status_and_the_app_keeps_running()
    {
        await using var server = await LocalFileServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        using var host = BuildHost(server);

        await host.StartAsync(TestContext.Current.CancellationToken);
        await BackgroundWork(host).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        var status = host.Services.GetRequiredService<ModelStore>().DownloadStatus;
        Assert.Equal(ModelDownloadState.Failed, status.State);
        Assert.Equal("tiny", status.Model);
        Assert.Contains("HTTP 404", status.Error, StringComparison.Ordinal);
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        Assert.False(File.Exists(Path.Combine(contentRoot, "data", "models", "ggml-tiny.bin")));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Progress_shows_in_the_status_and_stopping_the_app_keeps_the_partial_file()
    {
        const int sentBytes = 64 * 1024;
        await using var server = await LocalFileServer.StartAsync(async (context, _) =>
        {
            // Claims the real size of tiny, sends a little, then waits: enough to watch the status move.
            context.Response.ContentLength = tiny.SizeBytes;
            await context.Response.Body.WriteAsync(new byte[sentBytes], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        using var host = BuildHost(server);
        var store = host.Services.GetRequiredService<ModelStore>();

        await host.StartAsync(TestContext.Current.CancellationToken);
        var moved = await Eventually.HoldsAsync(() => store.DownloadStatus.BytesReceived == sentBytes, Deadline);
        var status = store.DownloadStatus;
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(moved, $"status stayed at {status}; requests {string.Join(",", server.Requests)}");
        Assert.Equal(ModelDownloadState.Downloading, status.State);
        Assert.Equal(tiny.SizeBytes, status.TotalBytes);
        var part = Path.Combine(contentRoot, "data", "models", "ggml-tiny.bin.part");
        Assert.Equal(sentBytes, new FileInfo(part).Length);
        Assert.False(File.Exists(Path.Combine(contentRoot, "data", "models", "ggml-tiny.bin")));
    }

    [Fact]
    public async Task A_model_already_in_place_is_not_downloaded_again()
    {
        await using var server = await LocalFileServer.StartAsync((context, _) => Task.CompletedTask);
        var path = Path.Combine(contentRoot, "data", "models", "ggml-tiny.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var file = File.Create(path))
        {
            // A sparse file of the right size stands in for the real 74 MiB model.
            file.SetLength(tiny.SizeBytes!.Value);
        }

        using var host = BuildHost(server);

        await host.StartAsync(TestContext.Current.CancellationToken);
        await BackgroundWork(host).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Empty(server.Requests);
        var store = host.Services.GetRequiredService<ModelStore>();
        Assert.Equal(ModelDownloadState.Ready, store.DownloadStatus.State);
        Assert.Equal(path, store.FindModelFile());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
