using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Screams;

/// <summary>
/// The result fragment's long poll: a request with <c>wait=true</c> for a pending scream is held until
/// its run ends, so the page shows the outcome at once rather than at its next poll.
/// </summary>
public sealed class ScoreLongPollTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // scored by another replica: nothing is announced here, the request looks again
    public async Task A_held_status_request_answers_when_the_run_ends(bool announcedHere)
    {
        using var player = await PlayerClient.SignInAsync(fixture.App, $"long-poll-{announcedHere}".ToLowerInvariant());
        var id = await AddClaimedScreamAsync(player.Login);

        var answer = player.Http.GetAsync($"/screams/{id}?handler=Status&wait=true", Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(600), Ct);
        Assert.False(answer.IsCompleted, "The request is held while the scream is pending.");

        await using (var db = fixture.Database.CreateContext())
        {
            await db.Screams.Where(s => s.Id == id).ExecuteUpdateAsync(
                update => update.SetProperty(s => s.Status, ScreamStatus.Failed).SetProperty(s => s.FailureReason, "The engine gave up."), Ct);
        }

        if (announcedHere)
        {
            fixture.App.Services.GetRequiredService<ScoreBulletin>().Announce(id);
        }

        using var response = await answer.WaitAsync(Answered, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("data-status=\"failed\"", body, StringComparison.Ordinal);
        Assert.Contains("The engine gave up.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pending_fragment_asks_again_with_a_held_request_as_soon_as_it_is_loaded()
    {
        using var player = await PlayerClient.SignInAsync(fixture.App, "long-poll-fragment");
        var id = await AddClaimedScreamAsync(player.Login);

        var page = await player.GetDocumentAsync($"/screams/{id}");

        var pending = page.QuerySelector($"#scream-{id}")!;
        Assert.Equal("pending", pending.GetAttribute("data-status"));
        // Each held request ends within 10 s and its answer replaces the fragment, so the 15 s poll only
        // fires when a request failed: it keeps the page asking after a network error.
        Assert.Equal("load, every 15s", pending.GetAttribute("hx-trigger"));
        Assert.Equal($"/screams/{id}?handler=Status&wait=true", pending.GetAttribute("hx-get"));
    }

    [Fact]
    public async Task Another_players_scream_is_not_waited_for()
    {
        using var owner = await PlayerClient.SignInAsync(fixture.App, "long-poll-owner");
        using var other = await PlayerClient.SignInAsync(fixture.App, "long-poll-other");
        var id = await AddClaimedScreamAsync(owner.Login);

        using var response = await other.Http.GetAsync($"/screams/{id}?handler=Status&wait=true", Ct).WaitAsync(Answered, Ct);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A pending scream whose run another worker has just claimed, so no job of this app touches it.</summary>
    private async Task<Guid> AddClaimedScreamAsync(string login)
    {
        await using var db = fixture.Database.CreateContext();
        var playerId = await db.Players.Where(p => p.Login == login).Select(p => p.Id).SingleAsync(Ct);
        var now = DateTimeOffset.UtcNow;
        var scream = new Scream
        {
            Id = Guid.CreateVersion7(now),
            PlayerId = playerId,
            CreatedAt = now,
            Period = new DateOnly(now.Year, now.Month, 1),
            Status = ScreamStatus.Pending,
            Attempts = 1,
            ScoringStartedAt = now,
            ByteCount = 4,
            Audio = new ScreamAudio { Wav = [1, 2, 3, 4] },
        };
        db.Screams.Add(scream);
        await db.SaveChangesAsync(Ct);
        return scream.Id;
    }
}
