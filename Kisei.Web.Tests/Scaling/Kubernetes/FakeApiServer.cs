using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

/// <summary>What the fake API server saw of one request.</summary>
internal sealed record RecordedRequest(
    string Method,
    string Path,
    string? Authorization,
    string? ContentType,
    string Body,
    string? ClientCertificateSubject);

/// <summary>
/// A stand-in for the Kubernetes API server: Kestrel over TLS on 127.0.0.1 with a port of its own. It records
/// every request and answers with <see cref="Respond"/>, which a test replaces.
/// </summary>
internal sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeApiServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public int Port => Address.Port;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>The answer to each request; by default a Scale with 2 desired and 2 observed.</summary>
    public Func<HttpContext, Task> Respond { get; set; } = context => WriteScaleAsync(context, 2, 2);

    /// <param name="certificate">The server certificate, with its key.</param>
    /// <param name="clientCa">When set, a client certificate signed by this CA is required.</param>
    public static async Task<FakeApiServer> StartAsync(X509Certificate2 certificate, X509Certificate2? clientCa = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = certificate;
            if (clientCa is not null)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (client, _, _) => IsSignedBy(clientCa, client);
            }
        })));

        var app = builder.Build();
        FakeApiServer? server = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            server!.Requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Headers.Authorization.FirstOrDefault(),
                context.Request.ContentType,
                body,
                context.Connection.ClientCertificate?.Subject));
            await server.Respond(context);
        });
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new FakeApiServer(app, new Uri(address));
        return server;
    }

    public static Task WriteScaleAsync(HttpContext context, int? desired, int? observed, string ns = "team-a", string name = "kisei")
    {
        var scale = new Dictionary<string, object?>
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new Dictionary<string, object?> { ["name"] = name, ["namespace"] = ns },
            ["spec"] = desired is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["replicas"] = desired },
            ["status"] = observed is null
                ? new Dictionary<string, object?> { ["selector"] = "app=kisei" }
                : new Dictionary<string, object?> { ["replicas"] = observed, ["selector"] = "app=kisei" },
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(scale));
    }

    /// <summary>An error answer with a v1 Status body, as the API server sends one.</summary>
    public static Task WriteStatusAsync(HttpContext context, int code, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            kind = "Status",
            apiVersion = "v1",
            status = "Failure",
            message,
            reason = ReasonPhrases.GetReasonPhrase(code).Replace(" ", "", StringComparison.Ordinal),
            code,
        }));
    }

    /// <summary>Never answers; ends when the client gives up or the server stops.</summary>
    public async Task HangAsync(HttpContext context)
    {
        var stopping = _app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Waits, with a deadline, until the server has seen <paramref name="count"/> requests.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Requests.Count < count)
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static bool IsSignedBy(X509Certificate2 ca, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
