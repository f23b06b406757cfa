using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Browser;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Screams;

/// <summary>Kisei behind real Kestrel, so bodies are chunked, stalled and cut off as on a network, with small limits.</summary>
public sealed class UploadLimitsApp(PostgresServerFixture server) : AppFixture(server)
{
    public const int BodyTimeoutSeconds = 5;

    public Uri BaseAddress { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Screams:MaxUploadBytes"] = (128 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Screams:BodyTimeoutSeconds"] = BodyTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Screams:MaxConcurrentUploads"] = "2",
        ["Screams:MaxConcurrentUploadsPerPlayer"] = "1",
        ["Screams:UploadsPerMinute"] = "100",
        ["Screams:UploadsPerDay"] = "1000",
    };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        BaseAddress = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>A signed-in player on a real socket; <paramref name="expectContinue"/> makes the client wait for the server before sending a body.</summary>
    public Task<PlayerClient> SignInAsync(string login, bool expectContinue = false) => SignInAsync(login, new CookieContainer(), expectContinue);

    /// <summary>As <see cref="SignInAsync(string, bool)"/>, keeping the cookies in <paramref name="cookies"/>.</summary>
    public async Task<PlayerClient> SignInAsync(string login, CookieContainer cookies, bool expectContinue = false)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies,
            Expect100ContinueTimeout = TimeSpan.FromSeconds(60),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == LoopbackCertificate.Shared.GetCertHashString();
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.ExpectContinue = expectContinue;
        using var response = await PlayerClient.PostDevelopmentSignInAsync(client, login);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return new PlayerClient(client, login);
    }

    protected override void ConfigureServer(KiseiApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(LoopbackCertificate.Shared)));
    }
}

/// <summary>Finding 3, 4 and 5 of issue 13: size errors are 413 however the body comes, a stalled body is cut off, and the upload gate refuses before reading.</summary>
public sealed class UploadLimitsTests(UploadLimitsApp fixture) : IClassFixture<UploadLimitsApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] SmallClip => TestClips.Scream(seconds: 1.0, sampleRateHz: 16_000, channels: 1);

    [Fact]
    public async Task A_chunked_body_over_the_limit_gets_413()
    {
        using var alice = await fixture.SignInAsync("alice-chunked");
        var body = await MultipartAsync(alice, new byte[1024 * 1024]);
        using var content = new ScriptedBody(body, declaredLength: null);

        using var response = await alice.Http.PostAsync("/screams", content, Ct);

        Assert.Null(content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("大きすぎます", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_stalls_is_cut_off_within_the_timeout()
    {
        var cookies = new CookieContainer();
        using var alice = await fixture.SignInAsync("alice-stalled", cookies);
        var body = await MultipartAsync(alice, SmallClip);

        // By hand on a TLS socket, since HttpClient waits for its whole body before it reads an answer:
        // half the body arrives at once, then nothing, though the Content-Length promises the rest.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.BaseAddress.Host, fixture.BaseAddress.Port, Ct);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
            certificate?.GetCertHashString() == LoopbackCertificate.Shared.GetCertHashString());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, Ct);
        var head = Encoding.ASCII.GetBytes(
            $"POST /screams HTTP/1.1\r\nHost: {fixture.BaseAddress.Authority}\r\nCookie: {cookies.GetCookieHeader(fixture.BaseAddress)}\r\n" +
            $"Content-Type: multipart/form-data; boundary=kisei-test-boundary\r\nContent-Length: {body.Length}\r\n\r\n");
        await tls.WriteAsync(head, Ct);
        await tls.WriteAsync(body.AsMemory(0, body.Length / 2), Ct);
        await tls.FlushAsync(Ct);

        // Kestrel answers 408 or, since the rest of the body is unaccounted for, drops the connection.
        var clock = Stopwatch.StartNew();
        using var reader = new StreamReader(tls, Encoding.ASCII);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        giveUp.CancelAfter(TimeSpan.FromSeconds(60));
        string answer;
        try
        {
            answer = await reader.ReadLineAsync(giveUp.Token) ?? "closed";
        }
        catch (IOException)
        {
            answer = "closed";
        }

        clock.Stop();

        Assert.True(answer is "HTTP/1.1 408 Request Timeout" or "closed", answer);
        var gate = fixture.App.Services.GetRequiredService<UploadGate>();
        await Wait.UntilAsync(() => gate.InFlight == 0, "the cut-off upload has left the gate", TimeSpan.FromSeconds(5));
        Assert.InRange(clock.Elapsed.TotalSeconds, UploadLimitsApp.BodyTimeoutSeconds - 0.5, UploadLimitsApp.BodyTimeoutSeconds + 10);
    }

    [Fact]
    public async Task Concurrent_uploads_beyond_the_cap_are_refused_with_429_or_503_before_their_bodies_are_read()
    {
        using var alice = await fixture.SignInAsync("alice-busy", expectContinue: true);
        using var bob = await fixture.SignInAsync("bob-busy");
        using var carol = await fixture.SignInAsync("carol-late", expectContinue: true);
        var gate = fixture.App.Services.GetRequiredService<UploadGate>();
        var release = new TaskCompletionSource();

        // Alice and Bob each start an upload whose body waits: the instance's two slots are taken.
        var held = new List<Task<HttpResponseMessage>>();
        foreach (var player in new[] { alice, bob })
        {
            var body = await MultipartAsync(player, SmallClip);
            held.Add(player.Http.PostAsync("/screams", new ScriptedBody(body, body.Length, release: release.Task), Ct));
        }

        await Wait.UntilAsync(() => gate.InFlight == 2, "both held uploads are inside the gate", TimeSpan.FromSeconds(UploadLimitsApp.BodyTimeoutSeconds - 1));

        // With Expect: 100-continue the client sends a body only once the server starts to read it.
        using var aliceBody = new ScriptedBody(await MultipartAsync(alice, SmallClip), declaredLength: null);
        using var carolBody = new ScriptedBody(await MultipartAsync(carol, SmallClip), declaredLength: null);
        using var aliceAgain = await alice.Http.PostAsync("/screams", aliceBody, Ct);
        using var carolRefused = await carol.Http.PostAsync("/screams", carolBody, Ct);
        var stillHeld = held.All(task => !task.IsCompleted);
        release.SetResult();
        var answers = await Task.WhenAll(held);

        Assert.True(stillHeld, "the refusals came while the held uploads were still being read");
        Assert.Equal((HttpStatusCode.TooManyRequests, false), (aliceAgain.StatusCode, aliceBody.Started));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, false), (carolRefused.StatusCode, carolBody.Started));
        Assert.NotNull(aliceAgain.Headers.RetryAfter);
        Assert.NotNull(carolRefused.Headers.RetryAfter);
        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.SeeOther, answer.StatusCode));
        Assert.Equal(0, gate.InFlight);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    /// <summary>The home page's upload form as multipart bytes: its antiforgery token first, then the file.</summary>
    private static async Task<byte[]> MultipartAsync(PlayerClient player, byte[] file)
    {
        var home = await player.GetDocumentAsync("/");
        var token = home.QuerySelector<IHtmlInputElement>("#upload-form input[name=__RequestVerificationToken]")!.Value;
        const string boundary = "kisei-test-boundary";
        var head = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"__RequestVerificationToken\"\r\n\r\n{token}\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"scream.wav\"\r\nContent-Type: audio/wav\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        return [.. head, .. file, .. tail];
    }

    /// <summary>
    /// A request body sent as scripted: its first bytes (which make the client send its headers), the
    /// rest after <c>release</c> if given. Without a declared length it goes chunked.
    /// </summary>
    private sealed class ScriptedBody : HttpContent
    {
        private const int FirstBytes = 256;
        private readonly byte[] bytes;
        private readonly long? declaredLength;
        private readonly Task release;

        public ScriptedBody(byte[] bytes, long? declaredLength, Task? release = null)
        {
            this.bytes = bytes;
            this.declaredLength = declaredLength;
            this.release = release ?? Task.CompletedTask;
            Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=kisei-test-boundary");
        }

        /// <summary>Whether the client began to send this body.</summary>
        public bool Started { get; private set; }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            Started = true;
            await stream.WriteAsync(bytes.AsMemory(0, FirstBytes), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await release.WaitAsync(cancellationToken);
            await stream.WriteAsync(bytes.AsMemory(FirstBytes), cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = declaredLength ?? 0;
            return declaredLength is not null;
        }
    }
}
