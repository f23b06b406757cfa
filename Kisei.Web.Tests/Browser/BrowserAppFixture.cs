using System.Net;
using Kisei.Web.Data;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Kisei.Web.Speech;
using Microsoft.Playwright;

namespace Kisei.Web.Tests.Browser;

/// <summary>
/// A class fixture for the real-browser tests (docs/design.md §2): Kisei on a real Kestrel port over
/// HTTPS, on its own database, and one headless Chromium whose microphone plays
/// <see cref="MicrophoneClip"/> in a loop. Each test signs in its own player with
/// <see cref="SignInAsync"/>, in a browser context of its own.
/// </summary>
/// <remarks>
/// Chromium is Debian's, at <see cref="ChromiumPath"/>; Playwright's bundled driver runs from the
/// test's bin folder and never downloads a browser. Playwright's <c>LaunchAsync</c> gives each
/// browser a fresh temporary <c>--user-data-dir</c> and deletes it on close.
/// </remarks>
public class BrowserAppFixture(PostgresServerFixture server) : AppFixture(server)
{
    private readonly ScoringGate gate = new();

    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;
    private TemporaryFolder? folder;

    /// <summary>The app's address, https://127.0.0.1:port.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>What the fake microphone plays, looping.</summary>
    protected virtual byte[] MicrophoneClip => BrowserClips.Wail(seconds: 4.0, sampleRateHz: 48_000);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reports no addresses.");
        BaseAddress = new Uri(addresses.Addresses.Single());

        folder = TemporaryFolder.Create("browser");
        var microphone = folder.Combine("microphone.wav");
        await File.WriteAllBytesAsync(microphone, MicrophoneClip, TestContext.Current.CancellationToken);

        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"The browser tests drive Debian's Chromium at {ChromiumPath}: install it with 'apt-get install chromium'.");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // Grant the microphone without a prompt, and make it a fake device that plays the file.
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--use-file-for-fake-audio-capture=" + microphone,
            ],
        });
    }

    /// <summary>Signs a new player in through the landing page's development sign-in form; the page ends on the home page.</summary>
    public async Task<BrowserPlayer> SignInAsync(string login)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            IgnoreHTTPSErrors = true, // the certificate is the test's own
            Locale = "ja-JP",         // Accept-Language: the Japanese UI
            ViewportSize = new ViewportSize { Width = 1000, Height = 800 },
        });
        context.SetDefaultTimeout(15_000);
        var player = await BrowserPlayer.OpenAsync(context, login);
        await player.Page.GotoAsync("/");
        await player.Page.FillAsync("form.dev-sign-in input[name=name]", login);
        await player.Page.ClickAsync("form.dev-sign-in button[type=submit]");
        await player.Page.Locator("#recorder").WaitForAsync();

        // The home page's scripts are deferred: until the load event, htmx may not have taken over its forms,
        // and a test that submits one at once would send a plain form post and leave the page.
        await player.Page.WaitForLoadStateAsync(LoadState.Load);
        return player;
    }

    /// <summary>
    /// Keeps score runs from finishing until the result is disposed, by holding them at recognition: a
    /// test can then see a scream pending, and its polling, before the score arrives.
    /// </summary>
    public IDisposable HoldScoring() => gate.Close();

    /// <summary>The WAV bytes the app stored for a scream, read from the database.</summary>
    public async Task<byte[]> StoredWavAsync(Guid screamId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KiseiDbContext>();
        var audio = await db.ScreamAudio.AsNoTracking().SingleAsync(a => a.ScreamId == screamId, TestContext.Current.CancellationToken);
        return audio.Wav;
    }

    /// <summary>How many screams the player with this login has stored.</summary>
    public async Task<int> CountScreamsAsync(string login)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KiseiDbContext>();
        return await db.Screams.CountAsync(s => db.Players.Any(p => p.Id == s.PlayerId && p.Login == login), TestContext.Current.CancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        playwright?.Dispose();
        if (folder is not null)
            await folder.DisposeAsync();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected override void ConfigureServer(KiseiApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(LoopbackCertificate.Shared)));
    }

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<ISpeechRecognizer>(provider => new GatedRecognizer(provider.GetRequiredService<RecognizerChoice>(), gate));
    }

    /// <summary>Recognition that waits while a test holds the gate shut.</summary>
    private sealed class GatedRecognizer(ISpeechRecognizer inner, ScoringGate gate) : ISpeechRecognizer
    {
        public string Name => inner.Name;

        public async ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.RecognizeAsync(samples16kHz, cancellationToken);
        }
    }

    /// <summary>Open unless a test holds it shut.</summary>
    private sealed class ScoringGate
    {
        private TaskCompletionSource open = Opened();

        public Task WaitAsync(CancellationToken cancellationToken) => Volatile.Read(ref open).Task.WaitAsync(cancellationToken);

        public IDisposable Close()
        {
            Volatile.Write(ref open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return new Reopen(this);
        }

        private static TaskCompletionSource Opened()
        {
            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            source.SetResult();
            return source;
        }

        private sealed class Reopen(ScoringGate gate) : IDisposable
        {
            public void Dispose() => Volatile.Read(ref gate.open).TrySetResult();
        }
    }
}
