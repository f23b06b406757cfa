using System.Net;
using Kisei.Web.Scoring;
using Kisei.Web.Speech;
using Kisei.Web.Tests.Infrastructure;
using Kisei.Whisper.Tests;

namespace Kisei.Web.Tests.Speech;

/// <summary>The app with a Whisper model present: screams are scored by the managed engine, end to end.</summary>
public class WhisperAppFixture(PostgresServerFixture server) : AppFixture(server)
{
    private readonly string folder = Directory.CreateTempSubdirectory("kisei-whisper-app-").FullName;

    /// <summary>A small synthetic multilingual model whose windows end (40 tokens), so the transcript counts.</summary>
    public string ModelPath => field ??= SyntheticWhisperModel.Scripted(cycle: 16, endStep: 40).WriteTo(folder);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Speech:ModelPath"] = ModelPath,
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class WhisperScoringTests(WhisperAppFixture fixture) : IClassFixture<WhisperAppFixture>
{
    [Fact]
    public async Task A_scream_is_scored_by_whisper_and_r_is_the_transcripts_code_points_or_zero_under_the_no_speech_rule()
    {
        using var alice = await PlayerClient.SignInAsync(fixture.App, "alice-whisper");

        var id = await alice.UploadAcceptedAsync(TestClips.Scream(seconds: 2.0));
        var scream = await alice.WaitUntilScoredAsync(id);

        Assert.Equal("whisper", scream.GetProperty("recognizer").GetString());
        var transcript = scream.GetProperty("transcript").GetString();
        Assert.NotNull(transcript);
        Assert.NotEmpty(transcript);
        var recognition = new Recognition(
            "whisper",
            transcript.EnumerateRunes().Count(),
            transcript,
            scream.GetProperty("noSpeechProbability").GetDouble(),
            scream.GetProperty("averageLogProbability").GetDouble());
        var expected = ScoreCalculator.IsNoSpeech(recognition) ? 0 : recognition.SpeechCharacters;
        Assert.Equal(expected, scream.GetProperty("speechCharacters").GetInt32());

        var page = await alice.GetDocumentAsync($"/screams/{id}");
        Assert.Equal("Whisper", page.QuerySelector("[data-testid=recognizer]")!.TextContent);
        Assert.Equal(transcript, page.QuerySelector("[data-testid=transcript]")!.TextContent);
    }

    [Fact]
    public async Task The_status_page_says_whisper_and_names_the_model()
    {
        using var client = fixture.App.CreateBrowserClient();
        using var response = await client.GetAsync("/status", TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Whisper", html, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(fixture.ModelPath), html, StringComparison.Ordinal);
    }
}
