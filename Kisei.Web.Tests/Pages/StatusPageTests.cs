using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Pages;

public sealed class StatusPageTests(PostgresServerFixture server) : IAsyncLifetime
{
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string folder = Directory.CreateTempSubdirectory("kisei-status-").FullName;
    private WebApplication? modelServer;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // A model repository that sends the start of the file, then stalls until the test ends.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        modelServer = builder.Build();
        modelServer.MapGet("/{file}", async (HttpContext context) =>
        {
            context.Response.ContentLength = Kisei.Web.Speech.Models.ModelCatalog.Find("tiny").SizeBytes;
            await context.Response.Body.WriteAsync(new byte[300_000], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await release.Task.WaitAsync(context.RequestAborted);
        });
        await modelServer.StartAsync(Ct);
    }

    [Fact]
    public async Task Without_a_model_the_status_page_says_the_syllable_estimator_scores()
    {
        await using var database = await server.CreateDatabaseAsync("status", Ct);
        await using var app = new KiseiApp(database.ConnectionString);
        using var player = await PlayerClient.SignInAsync(app, "status-reader");

        var page = await player.GetDocumentAsync("/status");

        Assert.Equal("音節推定", page.QuerySelector("[data-testid=recognizer]")!.TextContent.Trim());
        Assert.Contains("シミュレーション", page.QuerySelector("[data-testid=cluster]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("外部", page.QuerySelector("[data-testid=database]")!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("[data-testid=speech][hx-trigger]"));
    }

    [Fact]
    public async Task A_model_download_at_start_shows_its_progress_and_polls_while_it_runs()
    {
        var baseUrl = modelServer!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/";
        await using var database = await server.CreateDatabaseAsync("download", Ct);
        await using var app = new KiseiApp(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Speech:Model"] = "tiny",
            ["Speech:DownloadOnStart"] = "true",
            ["Speech:DownloadBaseUrl"] = baseUrl,
            ["Speech:ModelDirectory"] = folder,
        });
        using var player = await PlayerClient.SignInAsync(app, "status-downloader");

        AngleSharp.Html.Dom.IHtmlDocument page = null!;
        await Wait.UntilAsync(
            () => (page = player.GetDocumentAsync("/status").GetAwaiter().GetResult()).QuerySelector("[data-testid=download]") is not null,
            "the status page shows the download");

        Assert.Contains("tiny", page.QuerySelector("[data-testid=download]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("MB", page.QuerySelector("[data-testid=download]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("every 2s", page.QuerySelector("[data-testid=speech]")!.GetAttribute("hx-trigger"));
        Assert.NotNull(page.QuerySelector("progress"));
        // Still scoring with syllables meanwhile.
        Assert.Equal("音節推定", page.QuerySelector("[data-testid=recognizer]")!.TextContent.Trim());
    }

    public async ValueTask DisposeAsync()
    {
        release.TrySetResult();
        if (modelServer is not null)
        {
            await modelServer.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }
}
