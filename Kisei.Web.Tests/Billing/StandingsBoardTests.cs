using Kisei.Web.Billing;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Billing;

/// <summary>The pages' places against real PostgreSQL: the same order as the standings, a player's own score at once.</summary>
public sealed class StandingsBoardTests(PostgresServerFixture server)
{
    private static readonly DateTimeOffset Now = new(2026, 5, 15, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly May = new(2026, 5, 1);
    private static readonly DateOnly April = new(2026, 4, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Places_follow_the_standings_order_and_count_only_players_who_scored_this_period()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "board-order");
        var loud = await data.AddPlayerAsync("board-loud", Now);
        var tiedFirst = await data.AddPlayerAsync("board-tied-1", Now);
        var tiedSecond = await data.AddPlayerAsync("board-tied-2", Now);
        var pending = await data.AddPlayerAsync("board-pending", Now);
        var lastMonth = await data.AddPlayerAsync("board-april", Now);
        await data.AddScreamAsync(loud, 50m, Now.AddHours(-2), May);
        await data.AddScreamAsync(loud, 30m, Now.AddHours(-1), May);
        await data.AddScreamAsync(tiedFirst, 50m, Now.AddHours(-1), May);
        await data.AddScreamAsync(tiedSecond, 20m, Now.AddHours(-1), May);
        await data.AddScreamAsync(tiedSecond, 30m, Now.AddHours(-1), May);
        await data.AddScreamAsync(pending, 0m, Now.AddMinutes(-1), May, ScreamStatus.Pending);
        await data.AddScreamAsync(lastMonth, 90m, Now.AddDays(-30), April);
        var board = Board(data);

        await using var db = data.Context();
        var standings = await new Standings(db).ForPeriodAsync(May, Ct);
        Assert.Equal([loud, tiedFirst, tiedSecond], standings.Select(s => s.PlayerId));
        for (var i = 0; i < standings.Count; i++)
        {
            Assert.Equal(new Place(standings[i].Total, i + 1, 3), await board.PlaceOfAsync(standings[i].PlayerId, May, Ct));
        }

        Assert.Equal(new Place(0m, null, 3), await board.PlaceOfAsync(pending, May, Ct));
        Assert.Equal(new Place(0m, null, 3), await board.PlaceOfAsync(lastMonth, May, Ct));
        Assert.Equal(new Place(90m, 1, 1), await board.PlaceOfAsync(lastMonth, April, Ct));
    }

    [Fact]
    public async Task A_players_own_new_score_counts_at_once_and_another_players_within_the_max_age()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "board-fresh");
        var first = await data.AddPlayerAsync("board-first", Now);
        var second = await data.AddPlayerAsync("board-second", Now);
        var newcomer = await data.AddPlayerAsync("board-newcomer", Now);
        await data.AddScreamAsync(first, 80m, Now.AddHours(-1), May);
        await data.AddScreamAsync(second, 50m, Now.AddHours(-1), May);
        var board = Board(data);
        Assert.Equal(new Place(80m, 1, 2), await board.PlaceOfAsync(first, May, Ct));
        Assert.Equal(new Place(0m, null, 2), await board.PlaceOfAsync(newcomer, May, Ct));

        // The other players' totals were just read; the player's own new scores count in the very next view.
        await data.AddScreamAsync(second, 100m, Now, May);
        Assert.Equal(new Place(150m, 1, 2), await board.PlaceOfAsync(second, May, Ct));
        await data.AddScreamAsync(newcomer, 60m, Now, May);
        Assert.Equal(new Place(60m, 2, 3), await board.PlaceOfAsync(newcomer, May, Ct));

        // The first player sees the others' new scores once the table is read again.
        await Wait.UntilAsync(
            async () => await board.PlaceOfAsync(first, May, Ct) == new Place(80m, 2, 3),
            "the first player's place counts the others' new scores",
            StandingsBoard.MaxAge * 5);
    }

    private static StandingsBoard Board(MoneyDatabase data) =>
        new(data.Contexts, new ServiceCollection().AddHybridCache().Services.BuildServiceProvider().GetRequiredService<HybridCache>());
}
