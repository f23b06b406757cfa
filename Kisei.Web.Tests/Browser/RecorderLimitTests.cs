using Kisei.Web.Audio;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Browser;

/// <summary>A browser app whose longest clip is 2 s, so the recorder's own stop comes quickly.</summary>
public sealed class TwoSecondLimitApp(PostgresServerFixture server) : BrowserAppFixture(server)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Screams:MaxDurationSeconds"] = "2",
    };
}

public sealed class RecorderLimitTests(TwoSecondLimitApp fixture) : IClassFixture<TwoSecondLimitApp>
{
    /// <summary>The worklet hands over audio in batches of this many frames.</summary>
    private const int BatchFrames = 2048;

    [Fact]
    public async Task The_recorder_stops_by_itself_at_the_duration_limit()
    {
        await using var player = await fixture.SignInAsync("limit");
        var page = player.Page;
        Assert.Equal("2", await page.GetAttributeAsync("#recorder", "data-max-seconds"));

        await page.ClickAsync("#record");
        // Nobody presses stop: the recorder reaches the limit and stops itself.
        await page.Locator("#recorder[data-state=recorded]").WaitForAsync(new() { Timeout = 10_000 });

        Assert.InRange(await player.ElapsedSecondsAsync(), 1.9, 2.1);
        Assert.True(await page.IsDisabledAsync("#stop"));
        Assert.True(await page.IsVisibleAsync("#preview"));
        Assert.Equal(0, await page.EvaluateAsync<double>("() => document.getElementById('meter-level').getBoundingClientRect().width"));

        await page.ClickAsync("#send");
        var fragment = page.Locator("#result [id^=scream-]");
        await fragment.WaitForAsync();
        var id = Guid.Parse((await fragment.GetAttributeAsync("id"))!["scream-".Length..]);
        var audio = WavReader.Read(await fixture.StoredWavAsync(id));
        var batchSeconds = (double)BatchFrames / audio.SampleRateHz;
        Assert.InRange(audio.DurationSeconds, 2.0 - batchSeconds, 2.0 + batchSeconds);
    }
}
