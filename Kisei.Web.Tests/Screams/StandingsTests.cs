using System.Globalization;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Screams;

public sealed class StandingsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Standings_add_up_the_scores_of_each_players_screams()
    {
        using var alice = await PlayerClient.SignInAsync(fixture.App, "alice-standing");
        using var bob = await PlayerClient.SignInAsync(fixture.App, "bob-standing");
        var aliceScreams = new[]
        {
            await alice.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.9)),
            await alice.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.3, sampleRateHz: 16_000, channels: 1)),
        };
        var bobScream = await bob.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.5, sampleRateHz: 44_100));

        decimal aliceTotal = 0;
        foreach (var id in aliceScreams)
        {
            aliceTotal += (await alice.WaitUntilScoredAsync(id)).GetProperty("score").GetDecimal();
        }

        var bobTotal = (await bob.WaitUntilScoredAsync(bobScream)).GetProperty("score").GetDecimal();

        var board = await alice.GetDocumentAsync("/leaderboard");
        Assert.Equal(Format(aliceTotal), board.QuerySelector("tr[data-login=alice-standing] td.total")!.TextContent);
        Assert.Equal(Format(bobTotal), board.QuerySelector("tr[data-login=bob-standing] td.total")!.TextContent);
        var home = await alice.GetDocumentAsync("/");
        Assert.Equal(Format(aliceTotal), home.QuerySelector("[data-testid=standing]")!.TextContent);
    }

    private static string Format(decimal value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
