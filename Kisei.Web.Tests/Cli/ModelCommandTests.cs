using Kisei.Web.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Cli;

/// <summary><c>kisei model pull</c> against a local stand-in for the model repository.</summary>
public sealed class ModelCommandTests : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("kisei-model-cli-").FullName;
    private WebApplication? server;
    private int requests;

    private string BaseUrl => server!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/";

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        server = builder.Build();
        server.MapGet("/{file}", (string file) =>
        {
            Interlocked.Increment(ref requests);
            return file == "ggml-tiny.bin" ? Results.Bytes(new byte[4096], "application/octet-stream") : Results.NotFound();
        });
        await server.StartAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_download_that_fails_its_check_prints_one_line_and_leaves_no_model()
    {
        var (exit, output, error) = await RunAsync("model", "pull", "tiny", $"--Speech:DownloadBaseUrl={BaseUrl}", $"--Speech:ModelDirectory={folder}");

        Assert.Equal(CommandLine.Failure, exit);
        Assert.Empty(output);
        Assert.StartsWith("kisei model: ", error.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
        Assert.True(requests > 0, "the command never asked the server");
        Assert.False(File.Exists(Path.Combine(folder, "ggml-tiny.bin")));
    }

    [Theory]
    [InlineData("model")]
    [InlineData("model", "pull")]
    [InlineData("model", "push", "tiny")]
    [InlineData("model", "pull", "enormous")]
    public async Task A_bad_model_command_prints_one_line_and_exits_2(params string[] args)
    {
        var (exit, _, error) = await RunAsync(args);

        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Equal(0, requests);
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
