using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Tests.Speech.Models;

/// <summary>A Kestrel server on 127.0.0.1 with a free port, answering every request with a test's handler.</summary>
internal sealed class LocalFileServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private LocalFileServer(WebApplication app, Uri root)
    {
        this.app = app;
        Root = root;
    }

    /// <summary>The server's root, ending in a slash.</summary>
    public Uri Root { get; }

    /// <summary>Every request seen, in order.</summary>
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public static async Task<LocalFileServer> StartAsync(Func<HttpContext, int, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        LocalFileServer? server = null;
        var count = 0;
        app.Run(context =>
        {
            var number = Interlocked.Increment(ref count);
            server!.Requests.Enqueue(new SeenRequest(context.Request.Path, context.Request.Headers.Range.ToString()));
            return handler(context, number);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new LocalFileServer(app, new Uri(address.TrimEnd('/') + "/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    /// <summary>
    /// Serves <paramref name="payload"/> as a file: honours <c>Range: bytes=N-</c> unless told not to,
    /// writes in flushed chunks so the client sees several reads, and can cut or stall the connection.
    /// </summary>
    public static async Task ServeAsync(HttpContext context, byte[] payload, FileBehaviour? behaviour = null)
    {
        behaviour ??= new FileBehaviour();
        var response = context.Response;
        long start = 0;
        var range = context.Request.Headers.Range.ToString();
        if (behaviour.HonourRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= payload.Length)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{payload.Length}";
                return;
            }

            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {start}-{payload.Length - 1}/{payload.Length}";
        }

        response.ContentType = "application/octet-stream";
        if (!behaviour.OmitLength)
            response.ContentLength = payload.Length - start;
        long sent = 0;
        var offset = (int)start;
        while (offset < payload.Length)
        {
            if (sent >= behaviour.DropAfterBytes)
            {
                // Ending short of Content-Length makes Kestrel close the connection after sending what was
                // written; HttpContext.Abort would reset it and lose bytes still in flight.
                return;
            }

            if (sent >= behaviour.ResetAfterBytes)
            {
                context.Abort();
                return;
            }

            if (sent >= behaviour.StallAfterBytes)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            }

            var limit = new[] { behaviour.DropAfterBytes, behaviour.ResetAfterBytes, behaviour.StallAfterBytes }.Min() ?? long.MaxValue;
            var count = (int)Math.Min(Math.Min(behaviour.ChunkBytes, payload.Length - offset), limit - sent);
            await response.Body.WriteAsync(payload.AsMemory(offset, count), context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
            offset += count;
            sent += count;
        }
    }
}

/// <summary>What a request asked for.</summary>
internal sealed record SeenRequest(string Path, string Range);

/// <summary>How <see cref="LocalFileServer.ServeAsync"/> misbehaves.</summary>
internal sealed record FileBehaviour
{
    /// <summary>Answer <c>Range: bytes=N-</c> with 206; otherwise always send the whole file with 200.</summary>
    public bool HonourRange { get; init; } = true;

    /// <summary>The bytes written and flushed at a time.</summary>
    public int ChunkBytes { get; init; } = 4096;

    /// <summary>End the body early; the client gets every byte sent, then the connection closes.</summary>
    public long? DropAfterBytes { get; init; }

    /// <summary>Reset the connection; bytes still in flight may be lost, as on a real network.</summary>
    public long? ResetAfterBytes { get; init; }

    /// <summary>Stop sending and hold the connection open.</summary>
    public long? StallAfterBytes { get; init; }

    /// <summary>Send no Content-Length, so the body is chunked and its length unknown.</summary>
    public bool OmitLength { get; init; }
}
