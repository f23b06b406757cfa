using System.Globalization;
using Microsoft.Playwright;

namespace Kisei.Benchmarks;

/// <summary>
/// Upload to score as a player sees it: in Debian's Chromium, a player records with a fake microphone,
/// presses 送信, and waits for the score to appear in the page. Each round measures, in the page's own
/// clock, from the end of the upload's response and from the start of its request (resource timing) to
/// the moment the scored result is in the document (a MutationObserver). The app must already run at
/// <c>--url</c> with development sign-in and a rate limit that allows the rounds
/// (Kisei.Benchmarks/app.sh page-score does that).
/// </summary>
public static class PageScoreBenchmark
{
    private const string ChromiumPath = "/usr/bin/chromium";

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        return RunAsync(options).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(Options options)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--use-file-for-fake-audio-capture=" + options.Microphone,
            ],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = options.Url, Locale = "ja-JP" });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("form.dev-sign-in input[name=name]", $"bench-{Guid.NewGuid():N}"[..20]);
        await page.ClickAsync("form.dev-sign-in button[type=submit]");
        await page.Locator("#recorder").WaitForAsync();

        var waits = new List<double>();
        var wholes = new List<double>();
        for (var round = 0; round < options.Warmup + options.Rounds; round++)
        {
            await page.ClickAsync("#record");
            await page.WaitForTimeoutAsync(options.RecordMilliseconds);
            await page.ClickAsync("#stop");
            await page.Locator("#send:enabled").WaitForAsync();
            await page.EvaluateAsync(
                """
                () => {
                  performance.clearResourceTimings();
                  window.__kiseiScoredAt = null;
                  const result = document.getElementById('result');
                  new MutationObserver((_, observer) => {
                    if (result.querySelector('[data-status=scored]')) {
                      window.__kiseiScoredAt = performance.now();
                      observer.disconnect();
                    }
                  }).observe(result, { childList: true, subtree: true });
                }
                """);
            await page.ClickAsync("#send");
            await page.WaitForFunctionAsync("() => window.__kiseiScoredAt !== null", null, new PageWaitForFunctionOptions { PollingInterval = 20 });
            var times = await page.EvaluateAsync<double[]>(
                """
                () => {
                  const upload = performance.getEntriesByType('resource').find(e => new URL(e.name).pathname === '/screams');
                  return [window.__kiseiScoredAt - upload.responseEnd, window.__kiseiScoredAt - upload.startTime];
                }
                """);
            if (round >= options.Warmup)
            {
                waits.Add(times[0]);
                wholes.Add(times[1]);
                Console.WriteLine($"round {round - options.Warmup + 1}: score shown {times[0]:0} ms after the upload's response, {times[1]:0} ms after its start");
            }
        }

        Console.WriteLine(Measure.Summary.Of("upload response → score on the page (Chromium)", waits));
        Console.WriteLine(Measure.Summary.Of("upload start → score on the page (Chromium)", wholes));
        return 0;
    }

    private sealed record Options(string Url, string Microphone, int Rounds, int Warmup, int RecordMilliseconds)
    {
        public static Options Parse(string[] args)
        {
            string? url = null, microphone = null;
            int rounds = 10, warmup = 1, record = 1500;
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--url": url = args[i + 1]; break;
                    case "--microphone": microphone = args[i + 1]; break;
                    case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                    case "--warmup": warmup = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                    case "--record-ms": record = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }

            return new Options(
                url ?? throw new ArgumentException("--url is required (the running app)"),
                microphone ?? throw new ArgumentException("--microphone is required (a WAV the fake microphone plays)"),
                rounds,
                warmup,
                record);
        }
    }
}
