using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Kisei.Web.Tests.Browser;

/// <summary>The WAV file form on the home page, submitted by htmx in real Chromium (docs/design.md §2).</summary>
public sealed partial class UploadFormTests(BrowserAppFixture fixture) : IClassFixture<BrowserAppFixture>
{
    /// <summary>
    /// Set to a file path to save a full-page screenshot of the scored result there. That is how
    /// docs/result-page.png is made, on a machine with a Japanese font (Debian: fonts-noto-cjk):
    /// <c>KISEI_SCREENSHOT=$PWD/docs/result-page.png dotnet test Kisei.Web.Tests --filter "FullyQualifiedName~Browser.UploadFormTests"</c>.
    /// Unset in normal runs, so tests never write into the repository.
    /// </summary>
    private const string ScreenshotVariable = "KISEI_SCREENSHOT";

    [Fact]
    public async Task The_form_shows_a_refusal_in_place_then_goes_to_the_scored_result()
    {
        await using var player = await fixture.SignInAsync("taro");
        var page = player.Page;
        var home = page.Url;
        await page.EvaluateAsync("() => { window.__kiseiMarker = 42; }");

        await page.SetInputFilesAsync("#upload-form input[type=file]", new FilePayload
        {
            Name = "notes.txt",
            MimeType = "text/plain",
            Buffer = Encoding.UTF8.GetBytes("これは WAV ではありません。"),
        });
        await page.ClickAsync("#upload-form button[type=submit]");

        var error = page.Locator("#upload-error [role=alert]");
        await error.WaitForAsync();
        Assert.Contains("WAV ファイルとして読めません", await error.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.__kiseiMarker"));
        Assert.Equal(home, page.Url);
        Assert.Equal(0, await fixture.CountScreamsAsync(player.Login));

        await page.SetInputFilesAsync("#upload-form input[type=file]", new FilePayload
        {
            Name = "wail.wav",
            MimeType = "audio/wav",
            Buffer = BrowserClips.Wail(seconds: 4.0),
        });
        await page.ClickAsync("#upload-form button[type=submit]");

        await page.WaitForURLAsync(ResultPath());
        var id = Guid.Parse(ResultPath().Match(page.Url).Groups["id"].Value);
        var score = page.Locator("[data-testid=score]");
        await score.WaitForAsync(new() { Timeout = 30_000 });
        var scream = await player.GetScreamAsync(id);
        Assert.Equal("scored", scream.GetProperty("status").GetString());
        Assert.Equal(scream.GetProperty("score").GetDecimal().ToString("0.0", CultureInfo.InvariantCulture), await score.TextContentAsync());
        Assert.Equal("4.00", await page.TextContentAsync("[data-testid=duration]"));

        if (Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } path)
        {
            await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        }
    }

    [GeneratedRegex("/screams/(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")]
    private static partial Regex ResultPath();
}
