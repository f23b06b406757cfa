using System.Globalization;
using System.Text;

namespace Kisei.Web.Pages;

/// <summary>
/// The home page's header for a signed-in player (docs/design.md §2): their share of the latest cost-share
/// snapshot and why — how many players split which bill, what more points would save — the players
/// online, the replicas running and the bill. htmx refreshes it every 5 s.
/// </summary>
/// <param name="Period">The billing period running now.</param>
/// <param name="SnapshotId">The latest cost-share snapshot, or null before the first.</param>
/// <param name="SnapshotTakenAt">When that snapshot was taken: the "as of" time of the share and the bill.</param>
/// <param name="BillPeriod">The period the snapshot's bill belongs to.</param>
/// <param name="BillYen">The snapshot's bill: cost per replica × observed replicas.</param>
/// <param name="ShareYen">This player's share in the snapshot; null when they were not active in it.</param>
/// <param name="ActivePlayers">How many players split the snapshot's bill.</param>
/// <param name="Forecast">What <see cref="ForecastPoints"/> more points would do to this player's share; null without a bill.</param>
/// <param name="PlayersOnline">Players seen in the last <see cref="OnlineWindow"/>.</param>
/// <param name="Replicas">The replicas observed by the latest snapshot or scaling run, whichever is newer.</param>
/// <param name="IsSimulated">Whether those replicas are the simulated cluster's.</param>
/// <param name="History">This player's shares this period, oldest first.</param>
public sealed record MoneyHeader(
    DateOnly Period,
    long? SnapshotId,
    DateTimeOffset? SnapshotTakenAt,
    DateOnly? BillPeriod,
    long? BillYen,
    long? ShareYen,
    int ActivePlayers,
    long? Forecast,
    int PlayersOnline,
    int? Replicas,
    bool IsSimulated,
    IReadOnlyList<SharePoint> History)
{
    /// <summary>
    /// How many yen the player's share fell by in a snapshot the page had not shown yet; the page
    /// animates the fall (the original's joke: scream, and watch the bill go down).
    /// </summary>
    public long? ShareDropYen { get; init; }

    /// <summary>How recently a player must have been seen to count as online.</summary>
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromSeconds(60);

    /// <summary>How many of the player's latest snapshots the history plot shows.</summary>
    public const int HistoryLength = 120;

    /// <summary>The points the forecast adds: about one good scream.</summary>
    public const int ForecastPoints = 50;

    /// <summary>The URL htmx polls: the home page's Status handler.</summary>
    public const string StatusUrl = "/?handler=Status";

    public static string Yen(long yen) => yen.ToString("#,0", CultureInfo.InvariantCulture);
}

/// <summary>One point of a player's share history.</summary>
public sealed record SharePoint(DateTimeOffset TakenAt, long ShareYen);

/// <summary>
/// SVG geometry for the share history: time across (labelled with the first and last snapshot's
/// times), yen up from zero to the largest share (labelled), inside margins that hold the labels.
/// </summary>
public static class SharePlot
{
    public const int Width = 600;
    public const int Height = 150;

    /// <summary>The plot area: left of it the yen labels, below it the times.</summary>
    public const int Left = 70;
    public const int Right = 590;
    public const int Top = 10;
    public const int Bottom = 125;

    /// <summary>The largest share plotted, which the top of the plot stands for.</summary>
    public static long Ceiling(IReadOnlyList<SharePoint> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Math.Max(1, history.Count == 0 ? 0 : history.Max(p => p.ShareYen));
    }

    /// <summary>The polyline's points; a lone point is drawn as a flat line across the plot.</summary>
    public static string Points(IReadOnlyList<SharePoint> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
        {
            return string.Empty;
        }

        var ceiling = Ceiling(history);
        var first = history[0].TakenAt;
        var spanTicks = (history[^1].TakenAt - first).Ticks;
        var builder = new StringBuilder();
        if (history.Count == 1)
        {
            var y = Y(history[0].ShareYen, ceiling);
            Append(builder, Left, y);
            Append(builder, Right, y);
            return builder.ToString().TrimEnd();
        }

        foreach (var point in history)
        {
            var x = spanTicks == 0 ? Right : Left + ((Right - Left) * (double)(point.TakenAt - first).Ticks / spanTicks);
            Append(builder, x, Y(point.ShareYen, ceiling));
        }

        return builder.ToString().TrimEnd();
    }

    private static double Y(long shareYen, long ceiling) => Bottom - ((Bottom - Top) * (double)shareYen / ceiling);

    private static void Append(StringBuilder builder, double x, double y) =>
        builder.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
}
