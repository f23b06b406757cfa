using System.Globalization;
using System.Net;
using System.Text;
using Kisei.Web.Data;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Screams;

/// <summary>The path of a scream through the real app: sign in, upload with the form's token, scored by the Hangfire job.</summary>
public sealed class UploadTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private KiseiApp App => fixture.App;

    [Fact]
    public async Task An_upload_with_the_antiforgery_token_is_stored_then_scored()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-upload");

        var id = await alice.UploadAcceptedAsync(TestClips.Scream(seconds: 2.0, sampleRateHz: 48_000, channels: 2));
        var scream = await alice.WaitUntilScoredAsync(id);

        Assert.Equal("syllables", scream.GetProperty("recognizer").GetString());
        Assert.Equal(2.0, scream.GetProperty("durationSeconds").GetDouble(), 6);
        Assert.Equal(48_000, scream.GetProperty("sampleRateHz").GetInt32());
        Assert.Equal(2, scream.GetProperty("channels").GetInt32());
        var loudness = scream.GetProperty("loudness").GetDouble();
        var speechFactor = scream.GetProperty("speechFactor").GetDouble();
        var score = scream.GetProperty("score").GetDecimal();
        Assert.InRange(loudness, 0.5, 1.0); // a 0.8 sawtooth is loud
        Assert.Equal(Math.Round((decimal)Math.Clamp(loudness * speechFactor, 0, 100), 1, MidpointRounding.AwayFromZero), score);
    }

    [Fact]
    public async Task The_result_page_shows_the_score_breakdown_and_plot_to_its_owner()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-page");
        var id = await alice.UploadAcceptedAsync(TestClips.Scream());
        var scream = await alice.WaitUntilScoredAsync(id);

        var page = await alice.GetDocumentAsync($"/screams/{id}");

        var shownScore = page.QuerySelector("[data-testid=score]")!.TextContent;
        Assert.Equal(scream.GetProperty("score").GetDecimal().ToString("0.0", CultureInfo.InvariantCulture), shownScore);
        Assert.Equal(scream.GetProperty("loudness").GetDouble().ToString("0.000", CultureInfo.InvariantCulture), page.QuerySelector("[data-testid=loudness]")!.TextContent);
        Assert.Equal("2.00", page.QuerySelector("[data-testid=duration]")!.TextContent);
        Assert.NotNull(page.QuerySelector("[data-testid=speech-characters]"));
        Assert.NotNull(page.QuerySelector("[data-testid=speech-factor]"));
        Assert.Equal("音節推定", page.QuerySelector("[data-testid=recognizer]")!.TextContent);
        Assert.False(string.IsNullOrEmpty(page.QuerySelector("svg.plot path.envelope")?.GetAttribute("d")));
        Assert.False(string.IsNullOrEmpty(page.QuerySelector("svg.plot polyline.rms")?.GetAttribute("points")));
        // Scored: the fragment no longer polls.
        Assert.Null(page.QuerySelector("[hx-trigger]"));
    }

    [Fact]
    public async Task Another_player_gets_404_for_the_page_the_api_and_delete()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-private");
        using var mallory = await PlayerClient.SignInAsync(App, "mallory");
        var id = await alice.UploadAcceptedAsync(TestClips.Scream());

        using var page = await mallory.Http.GetAsync($"/screams/{id}", Ct);
        using var api = await mallory.Http.GetAsync($"/api/screams/{id}", Ct);
        using var status = await mallory.Http.GetAsync($"/screams/{id}?handler=Status", Ct);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        await alice.WaitUntilScoredAsync(id); // still alice's
    }

    [Fact]
    public async Task Anonymous_visitors_get_401_from_the_api_and_the_upload()
    {
        using var client = App.CreateBrowserClient();

        using var api = await client.GetAsync($"/api/screams/{Guid.NewGuid()}", Ct);
        using var upload = await client.PostAsync("/screams", new ByteArrayContent(TestClips.Scream()), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
    }

    [Fact]
    public async Task A_json_client_gets_201_with_the_result_url()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-json");

        using var response = await alice.UploadAsync(TestClips.Scream(), acceptJson: true);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/screams/{id}", body.GetProperty("url").GetString());
        await alice.WaitUntilScoredAsync(id);
    }

    [Fact]
    public async Task An_upload_over_the_size_limit_is_refused_with_413_and_nothing_is_stored()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-big");
        // 16-bit mono at 48 kHz: 120 s is 11.5 MB, over the 10 MiB limit.
        var huge = TestClips.Scream(seconds: 120, channels: 1);

        using var response = await alice.UploadAsync(huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("10 MB", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(0, await CountScreamsAsync("alice-big"));
    }

    [Fact]
    public async Task A_40_second_clip_is_refused_with_a_message_and_nothing_is_stored()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-long");

        using var response = await alice.UploadAsync(TestClips.Scream(seconds: 40, sampleRateHz: 16_000, channels: 1));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("40.0", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(0, await CountScreamsAsync("alice-long"));
    }

    [Fact]
    public async Task A_clip_shorter_than_half_a_second_is_refused()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-short");

        using var response = await alice.UploadAsync(TestClips.Scream(seconds: 0.3));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(0, await CountScreamsAsync("alice-short"));
    }

    [Theory]
    [InlineData("not a wav at all, just text")]
    [InlineData("RIFF\u0004\0\0\0WAVE")]
    public async Task A_file_that_is_not_a_wav_is_refused_with_a_message_and_nothing_is_stored(string content)
    {
        var login = $"alice-text-{content.Length}";
        using var alice = await PlayerClient.SignInAsync(App, login);

        using var response = await alice.UploadAsync(Encoding.Latin1.GetBytes(content), fileName: "scream.wav");

        Assert.True(response.StatusCode is HttpStatusCode.UnsupportedMediaType or HttpStatusCode.BadRequest, $"got {(int)response.StatusCode}");
        Assert.StartsWith("WAV ファイルとして読めません", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(0, await CountScreamsAsync(login));
    }

    [Fact]
    public async Task An_upload_without_the_antiforgery_token_is_refused()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-csrf");

        using var response = await alice.UploadAsync(TestClips.Scream(), withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await CountScreamsAsync("alice-csrf"));
    }

    [Fact]
    public async Task The_owner_can_delete_a_scream()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-delete");
        var id = await alice.UploadAcceptedAsync(TestClips.Scream());
        await alice.WaitUntilScoredAsync(id);

        using var response = await alice.SubmitAsync($"/screams/{id}/delete", "main form", ("confirm", "yes"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var gone = await alice.Http.GetAsync($"/api/screams/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(0, await CountScreamsAsync("alice-delete"));
    }

    private async Task<int> CountScreamsAsync(string login)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KiseiDbContext>();
        return await db.Screams.CountAsync(s => db.Players.Any(p => p.Id == s.PlayerId && p.Login == login), TestContext.Current.CancellationToken);
    }
}
