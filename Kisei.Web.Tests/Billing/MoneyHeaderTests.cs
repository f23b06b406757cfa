using System.Globalization;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Kisei.Web.Billing;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Billing;

/// <summary>Short intervals, so a test sees the jobs' work in seconds; two screams move the replicas.</summary>
public sealed class FastMoneyFixture(PostgresServerFixture server) : AppFixture(server)
{
    public const decimal PointsPerReplica = 50m;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Billing:CostSharesIntervalSeconds"] = "1",
        ["Scaling:IntervalSeconds"] = "1",
        ["Scaling:PointsPerReplica"] = PointsPerReplica.ToString(CultureInfo.InvariantCulture),
        ["Scaling:SimulatedStartupSeconds"] = "1",
    };
}

/// <summary>The home page's money header, as players see it: the real app, its jobs, the simulated cluster.</summary>
public sealed class MoneyHeaderTests(FastMoneyFixture fixture) : IClassFixture<FastMoneyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private KiseiApp App => fixture.App;

    [Fact]
    public async Task Two_players_see_shares_that_add_up_to_the_bill_and_the_louder_one_pays_less()
    {
        using var alice = await PlayerClient.SignInAsync(App, "alice-money");
        using var bob = await PlayerClient.SignInAsync(App, "bob-money");
        var aliceScream = await alice.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.9));
        var bobScream = await bob.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.3, sampleRateHz: 16_000, channels: 1));
        var aliceScore = (await alice.WaitUntilScoredAsync(aliceScream)).GetProperty("score").GetDecimal();
        var bobScore = (await bob.WaitUntilScoredAsync(bobScream)).GetProperty("score").GetDecimal();
        Assert.True(aliceScore > bobScore, $"the louder scream should score higher ({aliceScore} against {bobScore})");
        var replicas = Math.Clamp((int)decimal.Floor((aliceScore + bobScore) / FastMoneyFixture.PointsPerReplica) + 1, 1, 5);
        Assert.True(replicas > 1, $"two screams should ask for more than one replica (S = {aliceScore + bobScore})");
        TestContext.Current.TestOutputHelper?.WriteLine($"alice {aliceScore}, bob {bobScore}: {replicas} replicas");

        Header aliceSees = null!, bobSees = null!;
        await Wait.UntilAsync(
            () =>
            {
                aliceSees = ReadHomeAsync(alice).GetAwaiter().GetResult();
                bobSees = ReadHomeAsync(bob).GetAwaiter().GetResult();
                return aliceSees.Snapshot is not null && aliceSees.Snapshot == bobSees.Snapshot
                    && aliceSees.ShareYen is not null && bobSees.ShareYen is not null
                    && aliceSees.Replicas == replicas.ToString(CultureInfo.InvariantCulture)
                    && aliceSees.BillYen == 10_000 * replicas;
            },
            $"both players see their shares of a {replicas}-replica bill",
            TimeSpan.FromSeconds(30));

        Assert.Equal(aliceSees.BillYen, aliceSees.ShareYen + bobSees.ShareYen);
        Assert.Equal(aliceSees.BillYen, bobSees.BillYen);
        Assert.True(aliceSees.ShareYen < bobSees.ShareYen, $"alice scored more and should pay less ({aliceSees.ShareYen} against {bobSees.ShareYen})");
        Assert.True(aliceSees.Simulated);
        Assert.True(aliceSees.PlayersOnline >= 2);
        Assert.False(string.IsNullOrWhiteSpace(aliceSees.HistoryPoints), "the share history is plotted");
        // The scores and replicas have settled, so later snapshots split the same bill the same way.
        // The bill in words, with its time and zone, and what 50 more points would save: the same split, re-run (alice signed in first, so her id is lower).
        var home = await bob.GetDocumentAsync("/");
        Assert.Equal(
            string.Create(CultureInfo.InvariantCulture, $"2 人で {aliceSees.BillYen:#,0}円 を割り勘"),
            home.QuerySelector("[data-testid=split]")!.ChildNodes[0].TextContent.Trim());
        Assert.Matches(@"^\d\d:\d\d:\d\d 時点（Asia/Tokyo）$", home.QuerySelector("[data-testid=as-of]")!.TextContent);
        var standings = new[] { new PlayerStanding(1, aliceScore), new PlayerStanding(2, bobScore) };
        Assert.Equal(
            ShareForecast.Saving(aliceSees.BillYen!.Value, standings, playerId: 2, extraPoints: 50m),
            long.Parse(home.QuerySelector("[data-testid=forecast]")!.GetAttribute("data-yen")!, CultureInfo.InvariantCulture));
        var board = await bob.GetDocumentAsync("/leaderboard");
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{aliceSees.ShareYen:#,0}円"), board.QuerySelector("tr[data-login=alice-money] td.share")!.TextContent);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{bobSees.ShareYen:#,0}円"), board.QuerySelector("tr[data-login=bob-money] td.share")!.TextContent);
    }

    [Fact]
    public async Task The_header_fragment_polls_every_5_seconds_with_Japanese_labels()
    {
        using var carol = await PlayerClient.SignInAsync(App, "carol-money");

        var fragment = await GetFragmentAsync(carol, "ja");

        var header = fragment.QuerySelector("section[data-testid=money]")!;
        Assert.Equal("every 5s", header.GetAttribute("hx-trigger"));
        Assert.Equal("/?handler=Status", header.GetAttribute("hx-get"));
        Assert.Equal("outerHTML", header.GetAttribute("hx-swap"));
        var text = header.TextContent;
        Assert.Contains("あなたの負担額：", text, StringComparison.Ordinal);
        Assert.Contains("接続ユーザー数", text, StringComparison.Ordinal);
        Assert.Contains("現在のPod数", text, StringComparison.Ordinal);
        // The split's interval is the configured one (this fixture's is 1 s), not a fixed 30.
        Assert.Contains("負担額は 1 秒ごとに計算されます。", text, StringComparison.Ordinal);
        // Carol has not screamed, so she has no share yet, and the page says what the dash means.
        Assert.Equal("—", header.QuerySelector("[data-testid=share]")!.TextContent);
        Assert.StartsWith("「—」は", header.QuerySelector("[data-testid=dash]")!.TextContent, StringComparison.Ordinal);
        Assert.True(int.Parse(header.QuerySelector("[data-testid=players-online]")!.TextContent, CultureInfo.InvariantCulture) >= 1);
        var home = await carol.GetDocumentAsync("/");
        Assert.Equal("every 5s", home.QuerySelector("section[data-testid=money]")?.GetAttribute("hx-trigger"));
    }

    [Fact]
    public async Task The_header_marks_simulated_pods_and_speaks_English_when_asked()
    {
        using var dave = await PlayerClient.SignInAsync(App, "dave-money");

        IDocument fragment = null!;
        await Wait.UntilAsync(
            () =>
            {
                fragment = GetFragmentAsync(dave, "ja").GetAwaiter().GetResult();
                return fragment.QuerySelector("[data-testid=simulated]") is not null;
            },
            "the header shows the simulated cluster's pods");
        var english = await GetFragmentAsync(dave, "en");

        Assert.Equal("シミュレーション", fragment.QuerySelector("[data-testid=simulated]")!.TextContent);
        Assert.Matches("^[1-5]$", fragment.QuerySelector("[data-testid=replicas]")!.TextContent);
        var text = english.QuerySelector("section[data-testid=money]")!.TextContent;
        Assert.Contains("Your share:", text, StringComparison.Ordinal);
        Assert.Contains("Players online", text, StringComparison.Ordinal);
        Assert.Contains("Pods now", text, StringComparison.Ordinal);
        Assert.Equal("simulated", english.QuerySelector("[data-testid=simulated]")!.TextContent);
    }

    [Fact]
    public async Task A_signed_out_poll_gets_nothing_so_the_polling_stops()
    {
        using var client = App.CreateBrowserClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/?handler=Status");
        request.Headers.Add("HX-Request", "true");

        using var response = await client.SendAsync(request, Ct);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<IDocument> GetFragmentAsync(PlayerClient player, string language)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/?handler=Status");
        request.Headers.Add("HX-Request", "true");
        request.Headers.AcceptLanguage.ParseAdd(language);
        using var response = await player.Http.SendAsync(request, Ct);
        Assert.True(response.IsSuccessStatusCode, $"the status fragment answered {(int)response.StatusCode}");
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<Header> ReadHomeAsync(PlayerClient player)
    {
        var home = await player.GetDocumentAsync("/");
        var money = home.QuerySelector("section[data-testid=money]") ?? throw new InvalidOperationException("The home page has no money header.");
        return new Header(
            NullIfEmpty(money.GetAttribute("data-snapshot")),
            Yen(money.QuerySelector("[data-testid=share]")),
            Yen(money.QuerySelector("[data-testid=bill]")),
            money.QuerySelector("[data-testid=replicas]")!.TextContent.Trim(),
            money.QuerySelector("[data-testid=simulated]") is not null,
            int.Parse(money.QuerySelector("[data-testid=players-online]")!.TextContent, CultureInfo.InvariantCulture),
            money.QuerySelector("svg.share-history polyline")?.GetAttribute("points"));
    }

    private static long? Yen(IElement? element) =>
        NullIfEmpty(element?.GetAttribute("data-yen")) is { } yen ? long.Parse(yen, CultureInfo.InvariantCulture) : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private sealed record Header(string? Snapshot, long? ShareYen, long? BillYen, string Replicas, bool Simulated, int PlayersOnline, string? HistoryPoints);
}
