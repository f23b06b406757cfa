using System.Net;
using Kisei.Web.Scoring;
using Kisei.Web.Speech;
using Kisei.Web.Tests.Infrastructure;
using Kisei.Whisper.Tests;

namespace Kisei.Web.Tests.Speech;

/// <summary>The same app and model as <see cref="WhisperAppFixture"/>, with <c>Speech:Engine=whisper.net</c>: Whisper.net scores.</summary>
public sealed class WhisperNetAppFixture(PostgresServerFixture server) : WhisperAppFixture(server)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Speech:Engine"] = "whisper.net",
        ["Speech:Threads"] = "2",
    };
}

public sealed class WhisperNetScoringTests(WhisperNetAppFixture fixture) : IClassFixture<WhisperNetAppFixture>
{
    [Fact]
    public async Task A_scream_is_scored_by_whisper_net_and_r_is_the_transcripts_code_points_or_zero_under_the_no_speech_rule()
    {
        using var alice = await PlayerClient.SignInAsync(fixture.App, "alice-whisper-net");

        var id = await alice.UploadAcceptedAsync(TestClips.Scream(seconds: 2.0));
        var scream = await alice.WaitUntilScoredAsync(id);

        Assert.Equal("whisper.net", scream.GetProperty("recognizer").GetString());
        var transcript = scream.GetProperty("transcript").GetString();
        Assert.NotNull(transcript);
        Assert.NotEmpty(transcript);
        var recognition = new Recognition("whisper.net", transcript.EnumerateRunes().Count(), transcript);
        var expected = ScoreCalculator.IsNoSpeech(recognition) ? 0 : recognition.SpeechCharacters;
        Assert.Equal(expected, scream.GetProperty("speechCharacters").GetInt32());

        var page = await alice.GetDocumentAsync($"/screams/{id}");
        Assert.Equal("Whisper.net", page.QuerySelector("[data-testid=recognizer]")!.TextContent);
    }

    [Fact]
    public async Task The_status_page_names_whisper_net_and_the_model()
    {
        using var client = fixture.App.CreateBrowserClient();
        var html = await client.GetStringAsync("/status", TestContext.Current.CancellationToken);

        Assert.Contains("Whisper.net", html, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(fixture.ModelPath), html, StringComparison.Ordinal);
        Assert.DoesNotContain("engine-problem", html, StringComparison.Ordinal);
    }
}

/// <summary>
/// The app asked for Whisper.net whose native library is broken (the runtime folder holds files that are not
/// libraries, as a damaged or half-copied install would): it scores with the managed engine and says why.
/// </summary>
public sealed class BrokenWhisperNetAppFixture(PostgresServerFixture server) : AppFixture(server)
{
    private readonly string folder = Directory.CreateTempSubdirectory("kisei-broken-whisper-net-").FullName;

    public string ModelPath => field ??= SyntheticWhisperModel.Scripted(cycle: 16, endStep: 40).WriteTo(folder);

    public string RuntimeDirectory
    {
        get
        {
            if (field is null)
            {
                field = Directory.CreateDirectory(Path.Combine(folder, "runtime")).FullName;
                foreach (var library in new[] { "libggml-base-whisper.so", "libggml-cpu-whisper.so", "libggml-whisper.so", "libwhisper.so" })
                {
                    File.WriteAllText(Path.Combine(field, library), "not a shared library");
                }
            }

            return field;
        }
    }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Speech:ModelPath"] = ModelPath,
        ["Speech:Engine"] = "whisper.net",
        ["Speech:WhisperNetRuntimeDirectory"] = RuntimeDirectory,
        ["Speech:Threads"] = "2",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}

public sealed class BrokenWhisperNetTests(BrokenWhisperNetAppFixture fixture) : IClassFixture<BrokenWhisperNetAppFixture>
{
    [Fact]
    public async Task The_app_keeps_scoring_with_the_managed_engine_and_the_status_page_says_why()
    {
        using var client = fixture.App.CreateBrowserClient();
        using var response = await client.GetAsync("/status", TestContext.Current.CancellationToken);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Whisper.net を使えないため、Kisei のエンジンで採点しています", html, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(fixture.RuntimeDirectory, "libggml-base-whisper.so") + " could not be loaded", html, StringComparison.Ordinal);

        using var bob = await PlayerClient.SignInAsync(fixture.App, "bob-broken-whisper-net");
        var id = await bob.UploadAcceptedAsync(TestClips.Scream(seconds: 2.0));
        var scream = await bob.WaitUntilScoredAsync(id);
        Assert.Equal("whisper", scream.GetProperty("recognizer").GetString());
        Assert.Equal(scream.GetProperty("transcript").GetString()!.EnumerateRunes().Count(), scream.GetProperty("speechCharacters").GetInt32());
    }
}
