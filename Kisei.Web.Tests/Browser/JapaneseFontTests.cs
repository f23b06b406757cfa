using Microsoft.Playwright;

namespace Kisei.Web.Tests.Browser;

/// <summary>
/// Japanese renders on a machine with no Japanese font of its own (this one has none: fc-list :lang=ja
/// is empty), because the pages bring Noto Sans JP, split by unicode-range so that a page fetches
/// only the slices that hold its characters.
/// </summary>
public sealed class JapaneseFontTests(BrowserAppFixture fixture) : IClassFixture<BrowserAppFixture>
{
    [Fact]
    public async Task The_landing_page_draws_its_Japanese_with_the_web_font_and_fetches_only_a_few_slices()
    {
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.BaseAddress.ToString(),
            IgnoreHTTPSErrors = true,
            Locale = "ja-JP",
        });
        var page = await context.NewPageAsync();
        var fontBytes = 0L;
        var fontFiles = 0;
        page.Response += (_, response) =>
        {
            if (response.Url.EndsWith(".woff2", StringComparison.Ordinal) && response.Headers.TryGetValue("content-length", out var length))
            {
                Interlocked.Increment(ref fontFiles);
                Interlocked.Add(ref fontBytes, long.Parse(length, System.Globalization.CultureInfo.InvariantCulture));
            }
        };

        await page.GotoAsync("/", new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await page.EvaluateAsync("() => document.fonts.ready");

        var loaded = await page.EvaluateAsync<int>(
            "() => [...document.fonts].filter(f => f.family.includes('Noto Sans JP') && f.status === 'loaded').length");
        Assert.True(loaded > 0, "No slice of Noto Sans JP was loaded.");
        // Every text drawn in the web font, at its own weight and style, has its slices loaded:
        // nothing is left to be drawn as a box.
        var missing = await page.EvaluateAsync<string[]>(MissingGlyphsScript);
        Assert.Empty(missing);
        Assert.Equal("Noto Sans JP", await page.EvaluateAsync<string>(
            "() => getComputedStyle(document.body).fontFamily.split(',')[0].replaceAll('\"', '').trim()"));

        // The whole font is 125 slices and about 4 MB a weight; a page needs a handful.
        Assert.InRange(fontFiles, 1, 30);
        Assert.True(fontBytes < 1_500_000, $"The landing page fetched {fontBytes} bytes of font in {fontFiles} files.");
    }

    private const string MissingGlyphsScript = """
        () => {
          const missing = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent.trim();
            const element = node.parentElement;
            if (!text || element.getClientRects().length === 0) continue;
            const style = getComputedStyle(element);
            if (!style.fontFamily.includes('Noto Sans JP')) continue;
            if (!document.fonts.check(`${style.fontStyle} ${style.fontWeight} 16px "Noto Sans JP"`, text)) missing.push(text);
          }
          return missing;
        }
        """;
}
