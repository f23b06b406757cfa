using System.Net;
using System.Text;
using Kisei.Web.Audio;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Pages;

/// <summary>The result's public link, deleting with a confirmation, development names, and refusals in the reader's language.</summary>
public sealed class ScreamPagesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private KiseiApp App => fixture.App;

    [Fact]
    public async Task A_shared_result_shows_to_a_signed_out_visitor_without_the_player_and_a_revoked_link_is_404()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-share");
        var shared = await alice.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.9));
        var other = await alice.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.5));
        var score = (await alice.WaitUntilScoredAsync(shared)).GetProperty("score").GetDecimal();
        await alice.WaitUntilScoredAsync(other);

        // Private by default: the result has no link yet.
        var before = await alice.GetDocumentAsync($"/screams/{shared}");
        Assert.Null(before.QuerySelector("[data-testid=share-url]"));

        using (var share = await alice.SubmitAsync($"/screams/{shared}", "form.share-form"))
        {
            Assert.Equal(HttpStatusCode.Redirect, share.StatusCode);
        }

        var link = (await alice.GetDocumentAsync($"/screams/{shared}")).QuerySelector("[data-testid=share-url]")!.GetAttribute("href")!;
        var path = new Uri(link).AbsolutePath;
        using var visitor = App.CreateBrowserClient();
        string card;
        using (var response = await visitor.GetAsync(path, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync(Ct);
            card = new Uri(System.Text.RegularExpressions.Regex.Match(html, "property=\"og:image\" content=\"([^\"]+)\"").Groups[1].Value).PathAndQuery;
            Assert.Contains($">{score:0.0}<", html, StringComparison.Ordinal);
            Assert.Contains("svg class=\"plot\"", html, StringComparison.Ordinal);
            Assert.Contains("property=\"og:title\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("alice-share", html, StringComparison.Ordinal);
            Assert.DoesNotContain(other.ToString(), html, StringComparison.Ordinal);
            Assert.DoesNotContain(shared.ToString() + "?handler", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<audio", html, StringComparison.Ordinal);
            Assert.DoesNotContain("delete", html, StringComparison.OrdinalIgnoreCase);
        }

        // The audio was not chosen, so the link does not play it.
        using (var audio = await visitor.GetAsync(path + "?handler=Audio", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, audio.StatusCode);
        }

        // The link preview's image: 1200 × 630, the meter filled to the score out of 100.
        using (var image = await visitor.GetAsync(card, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            var png = PngFile.Read(await image.Content.ReadAsByteArrayAsync(Ct));
            Assert.Equal((1200, 630), (png.Width, png.Height));
            var edge = 60 + (int)Math.Round(1080 * score / 100m);
            Assert.Equal(((byte)0xb4, (byte)0x2a, (byte)0x25), png.Pixel(edge - 2, 540));
            Assert.Equal(((byte)0xe4, (byte)0xde, (byte)0xd5), png.Pixel(edge + 2, 540));
            Assert.Contains(Enumerable.Range(60, 1080), x => png.Pixel(x, 270) == ((byte)0x1d, (byte)0x1b, (byte)0x26)); // the waveform
        }

        using (var revoke = await alice.SubmitAsync($"/screams/{shared}", "form[action$='handler=Unshare']"))
        {
            Assert.Equal(HttpStatusCode.Redirect, revoke.StatusCode);
        }

        using var gone = await visitor.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var goneCard = await visitor.GetAsync(card, Ct);
        Assert.Equal(HttpStatusCode.NotFound, goneCard.StatusCode);
    }

    [Fact]
    public async Task A_link_shared_with_its_audio_plays_it_and_the_owner_can_replay_it()
    {
        using var bob = await PlayerClient.SignInAsync(App, "bob-share");
        var id = await bob.UploadAcceptedAsync(TestClips.Scream());
        await bob.WaitUntilScoredAsync(id);
        var page = await bob.GetDocumentAsync($"/screams/{id}");
        Assert.Equal($"/screams/{id}?handler=Audio", page.QuerySelector("audio[data-testid=replay]")!.GetAttribute("src"));
        Assert.Contains("Asia/Tokyo", page.QuerySelector("[data-testid=retention]")!.TextContent, StringComparison.Ordinal);
        using (var own = await bob.Http.GetAsync($"/screams/{id}?handler=Audio", Ct))
        {
            Assert.Equal("RIFF", Encoding.ASCII.GetString((await own.Content.ReadAsByteArrayAsync(Ct))[..4]));
        }

        using (var share = await bob.SubmitAsync($"/screams/{id}", "form.share-form", ("withAudio", "true")))
        {
            Assert.Equal(HttpStatusCode.Redirect, share.StatusCode);
        }

        var path = new Uri((await bob.GetDocumentAsync($"/screams/{id}")).QuerySelector("[data-testid=share-url]")!.GetAttribute("href")!).AbsolutePath;
        using var visitor = App.CreateBrowserClient();
        using var audio = await visitor.GetAsync(path + "?handler=Audio", Ct);
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        Assert.Equal("audio/wav", audio.Content.Headers.ContentType?.MediaType);
        using var stranger = await PlayerClient.SignInAsync(App, "mallory-share");
        using var notTheirs = await stranger.Http.GetAsync($"/screams/{id}?handler=Audio", Ct);
        Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
    }

    [Fact]
    public async Task Without_confirmation_nothing_is_deleted_and_the_page_says_what_deleting_does()
    {
        using var carol = await PlayerClient.SignInAsync(App, "carol-delete");
        var id = await carol.UploadAcceptedAsync(TestClips.Scream());
        await carol.WaitUntilScoredAsync(id);

        var confirm = await carol.GetDocumentAsync($"/screams/{id}/delete");
        Assert.Contains("今月のスコアは", confirm.QuerySelector("[data-testid=effect]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("（30 秒ごと）", confirm.QuerySelector("[data-testid=effect]")!.TextContent, StringComparison.Ordinal); // the default interval
        using (var unconfirmed = await carol.SubmitAsync($"/screams/{id}/delete", "main form"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        }

        Assert.Equal(1, await CountScreamsAsync("carol-delete"));

        using (var confirmed = await carol.SubmitAsync($"/screams/{id}/delete", "main form", ("confirm", "yes")))
        {
            Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        }

        Assert.Equal(0, await CountScreamsAsync("carol-delete"));
    }

    [Fact]
    public async Task Development_sign_in_takes_a_Japanese_name_and_states_its_rule_in_words()
    {
        using var taro = await PlayerClient.SignInAsync(App, "さけぶ太郎");
        var home = await taro.GetDocumentAsync("/");
        Assert.Equal("さけぶ太郎", home.QuerySelector(".account .login")!.TextContent);

        using var client = App.CreateBrowserClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        using var refused = await PlayerClient.PostDevelopmentSignInAsync(client, new string('あ', 40));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Enter a name of 1 to 39 characters", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ja", "WAV ファイルとして読めません: 先頭が RIFF ではありません。")]
    [InlineData("en", "Not a WAV file Kisei can read: It does not start with RIFF.")]
    public async Task A_refused_file_is_explained_in_the_readers_language(string language, string expected)
    {
        using var dave = await PlayerClient.SignInAsync(App, $"dave-{language}");
        dave.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);

        using var response = await dave.UploadAsync(Encoding.UTF8.GetBytes("これは WAV ではありません。"), fileName: "notes.wav");

        var message = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith(expected, message, StringComparison.Ordinal);
        Assert.Null(LanguageCheck.WrongLanguage(language, message));
    }

    [Fact]
    public void Every_WAV_refusal_has_its_own_words_in_both_languages()
    {
        var localizer = App.Services.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<SharedResource>>();
        var keys = new HashSet<string>();
        foreach (var error in Enum.GetValues<WavError>())
        {
            var key = WavErrorText.Key(error);
            Assert.True(keys.Add(key), $"{error} shares its words with another error");
            Assert.Null(LanguageCheck.WrongLanguage("ja", key));
            var previous = System.Globalization.CultureInfo.CurrentUICulture;
            System.Globalization.CultureInfo.CurrentUICulture = new("en");
            try
            {
                var english = localizer[key];
                Assert.False(english.ResourceNotFound, $"{error} has no English text");
                Assert.Null(LanguageCheck.WrongLanguage("en", english.Value));
            }
            finally
            {
                System.Globalization.CultureInfo.CurrentUICulture = previous;
            }
        }
    }

    private async Task<int> CountScreamsAsync(string login)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KiseiDbContext>();
        return await db.Screams.CountAsync(s => db.Players.Any(p => p.Id == s.PlayerId && p.Login == login), Ct);
    }
}
