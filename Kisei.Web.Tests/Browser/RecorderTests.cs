using System.Globalization;
using Kisei.Web.Audio;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Kisei.Web.Tests.Browser;

/// <summary>The in-page recorder in real Chromium with a fake microphone (docs/design.md §2), and the htmx result it brings in (§5.2).</summary>
public sealed class RecorderTests(BrowserAppFixture fixture) : IClassFixture<BrowserAppFixture>
{
    /// <summary>The result fragment's poll: /screams/{id}?handler=Status (the home page's header polls its own Status handler).</summary>
    private static bool IsResultPoll(string url) =>
        url.Contains("/screams/", StringComparison.Ordinal) && url.Contains("?handler=Status", StringComparison.Ordinal);

    [Fact]
    public async Task A_recording_is_sent_and_scored_in_place_without_a_page_reload()
    {
        await using var player = await fixture.SignInAsync("rec-main");
        var page = player.Page;
        var home = page.Url;
        Assert.Equal("録音", (await page.TextContentAsync("#record"))?.Trim());

        await RecordAsync(player, atLeastSeconds: 3.0);
        var recordedSeconds = await player.ElapsedSecondsAsync();
        Assert.True(await page.IsVisibleAsync("#preview"));
        Assert.StartsWith("blob:", await page.GetAttributeAsync("#preview", "src"), StringComparison.Ordinal);
        Assert.True(await page.IsEnabledAsync("#send"));
        await page.EvaluateAsync("() => { window.__kiseiMarker = 42; }");

        var id = await SendAndWaitForScoreAsync(player);

        // The same document all along: the marker survived and the address did not change.
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.__kiseiMarker"));
        Assert.Equal(home, page.Url);
        var shown = decimal.Parse(await page.TextContentAsync("#result [data-testid=score]") ?? "", NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.InRange(shown, 0m, 100m);
        var scream = await player.GetScreamAsync(id);
        Assert.Equal("scored", scream.GetProperty("status").GetString());
        Assert.Equal(scream.GetProperty("score").GetDecimal(), shown);

        // The score is in view without scrolling, the result slot has the focus and is a live region
        // that says the score in words, and the recent list shows the scream.
        Assert.True(await page.EvaluateAsync<bool>(
            "() => { const r = document.querySelector('#result [data-testid=score]').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"),
            "the score is in the viewport");
        Assert.Equal("result", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.Equal("polite", await page.GetAttributeAsync("#result", "aria-live"));
        Assert.Contains(shown.ToString("0.0", CultureInfo.InvariantCulture) + " 点", await page.TextContentAsync("#result [data-testid=announce]"), StringComparison.Ordinal);
        await page.Locator($"#recent li[data-id='{id}']").WaitForAsync();
        Assert.Contains("Asia/Tokyo", await page.TextContentAsync("#recent h2"), StringComparison.Ordinal);

        // The standing card heard the score too, still without a reload: this is the player's first scream.
        await page.WaitForFunctionAsync(
            "(score) => document.querySelector('[data-testid=standing]').textContent.trim() === score",
            shown.ToString("0.0", CultureInfo.InvariantCulture));

        // What the browser encoded: 16-bit PCM mono at the AudioContext's rate, as long as the timer said, and loud.
        var contextRateHz = await page.EvaluateAsync<int>("async () => { const c = new AudioContext(); const r = c.sampleRate; await c.close(); return r; }");
        var audio = WavReader.Read(await fixture.StoredWavAsync(id));
        Assert.Equal(WavReader.FormatTagPcm, audio.Format.FormatTag);
        Assert.Equal(WavEncoding.PcmInteger, audio.Encoding);
        Assert.Equal(16, audio.BitsPerSample);
        Assert.Equal(1, audio.Channels);
        Assert.Equal(contextRateHz, audio.SampleRateHz);
        Assert.InRange(audio.DurationSeconds, recordedSeconds - 0.05, recordedSeconds + 0.05); // the timer shows one decimal
        Assert.InRange(audio.Mono.Max(Math.Abs), 0.5f, 1.0f);
    }

    [Fact]
    public async Task The_level_meter_and_timer_move_while_recording_and_the_focus_follows_the_keyboard()
    {
        await using var player = await fixture.SignInAsync("rec-meter");
        var page = player.Page;
        Assert.Equal(0, await MeterWidthAsync(page));
        Assert.Equal(0.0, await player.ElapsedSecondsAsync());

        await page.FocusAsync("#record");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.getElementById('meter-level').getBoundingClientRect().width > 0");
        // 録音 is disabled while recording; the focus moved on to ストップ instead of dropping to the body.
        Assert.Equal("stop", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.WaitForFunctionAsync("() => Number(document.getElementById('elapsed').textContent) > 0");
        var first = await player.ElapsedSecondsAsync();
        // Past the shortest clip too, so that stopping keeps the recording.
        await page.WaitForFunctionAsync("(s) => Number(document.getElementById('elapsed').textContent) >= s", first + 0.5);
        Assert.Equal("recording", await page.GetAttributeAsync("#recorder", "data-state"));

        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.getElementById('meter-level').getBoundingClientRect().width === 0");
        Assert.Equal("recorded", await page.GetAttributeAsync("#recorder", "data-state"));
        Assert.Equal("send", await page.EvaluateAsync<string>("() => document.activeElement.id"));
    }

    [Fact]
    public async Task Discarding_a_recording_clears_it_and_uploads_nothing()
    {
        await using var player = await fixture.SignInAsync("rec-discard");
        var page = player.Page;
        await RecordAsync(player, atLeastSeconds: 1.0);

        await page.ClickAsync("#discard");

        Assert.True(await page.IsHiddenAsync("#preview"));
        Assert.Null(await page.GetAttributeAsync("#preview", "src"));
        Assert.True(await page.IsDisabledAsync("#send"));
        Assert.True(await page.IsDisabledAsync("#discard"));
        Assert.True(await page.IsEnabledAsync("#record"));
        Assert.Equal(0.0, await player.ElapsedSecondsAsync());
        Assert.DoesNotContain(player.Requests, r => r.Method == "POST" && new Uri(r.Url).AbsolutePath == "/screams");
        Assert.Equal(0, await fixture.CountScreamsAsync(player.Login));
    }

    [Fact]
    public async Task A_double_click_on_record_opens_the_microphone_once_and_stop_releases_it()
    {
        await using var player = await fixture.SignInAsync("rec-double");
        var page = player.Page;
        // A spy on getUserMedia that keeps every stream the page opens.
        await page.EvaluateAsync(
            """
            () => {
              window.__kiseiStreams = [];
              const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
              navigator.mediaDevices.getUserMedia = async (constraints) => {
                const stream = await open(constraints);
                window.__kiseiStreams.push(stream);
                return stream;
              };
            }
            """);

        await page.DblClickAsync("#record");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('elapsed').textContent) >= 1");
        await page.ClickAsync("#stop");

        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__kiseiStreams.length"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__kiseiStreams.every((s) => s.getTracks().every((t) => t.readyState === 'ended'))"));
    }

    [Fact]
    public async Task The_result_stops_polling_once_scored()
    {
        await using var player = await fixture.SignInAsync("rec-polling");
        var page = player.Page;
        await RecordAsync(player, atLeastSeconds: 1.0);
        await SendAndWaitForScoreAsync(player);
        var polls = player.CountRequests(IsResultPoll);

        // A pending fragment asks every second, so a live trigger would ask within this window.
        await Assert.ThrowsAsync<TimeoutException>(() => page.WaitForRequestAsync(request => IsResultPoll(request.Url), new() { Timeout = 2_500 }));

        Assert.Equal(polls, player.CountRequests(IsResultPoll));
        Assert.Equal(0, await page.Locator("#result [hx-trigger]").CountAsync());
    }

    [Fact]
    public async Task Recording_sending_and_viewing_the_result_break_no_content_security_policy()
    {
        await using var player = await fixture.SignInAsync("rec-csp");
        var page = player.Page;
        await RecordAsync(player, atLeastSeconds: 1.0);
        var id = await SendAndWaitForScoreAsync(player);
        await page.GotoAsync($"/screams/{id}");
        await page.Locator("svg.plot").WaitForAsync();
        await page.GotoAsync("/leaderboard");

        Assert.Empty(player.PolicyViolations);
        Assert.DoesNotContain(player.ConsoleErrors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Records until the timer shows at least <paramref name="atLeastSeconds"/>, then stops; the preview is ready.</summary>
    private static async Task RecordAsync(BrowserPlayer player, double atLeastSeconds)
    {
        await player.Page.ClickAsync("#record");
        await player.Page.WaitForFunctionAsync("(s) => Number(document.getElementById('elapsed').textContent) >= s", atLeastSeconds);
        await player.Page.ClickAsync("#stop");
        await player.Page.Locator("#preview[src^='blob:']").WaitForAsync();
    }

    /// <summary>
    /// Sends the recording and waits for its score in <c>#result</c>. Scoring is held back until the
    /// pending fragment has shown and polled once, so the pending state is seen every time.
    /// </summary>
    private async Task<Guid> SendAndWaitForScoreAsync(BrowserPlayer player)
    {
        var page = player.Page;
        var before = player.CountRequests(IsResultPoll);
        using (fixture.HoldScoring())
        {
            await page.ClickAsync("#send");
            await page.Locator("#result [data-status=pending]").WaitForAsync();
            // The fragment the recorder fetched, then one poll of its own.
            await Wait.UntilAsync(() => player.CountRequests(IsResultPoll) >= before + 2, "the pending result polls", TimeSpan.FromSeconds(10));
        }

        await page.Locator("#result [data-testid=score]").WaitForAsync(new() { Timeout = 30_000 });
        var id = await page.GetAttributeAsync("#result [data-status=scored]", "id") ?? "";
        Assert.StartsWith("scream-", id, StringComparison.Ordinal);
        return Guid.Parse(id["scream-".Length..]);
    }

    private static Task<double> MeterWidthAsync(IPage page) =>
        page.EvaluateAsync<double>("() => document.getElementById('meter-level').getBoundingClientRect().width");
}
