using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Billing;

/// <summary>A fresh, migrated database for service tests, with helpers that write players and screams directly.</summary>
public sealed class MoneyDatabase : IAsyncDisposable
{
    private readonly TestDatabase database;
    private readonly DbContextOptions<KiseiDbContext> options;

    private MoneyDatabase(TestDatabase database)
    {
        this.database = database;
        options = KiseiDbContext.OptionsFor(database.ConnectionString);
        Contexts = new PooledDbContextFactory<KiseiDbContext>(options);
    }

    public IDbContextFactory<KiseiDbContext> Contexts { get; }

    /// <summary>Billing periods in the default time zone (Asia/Tokyo) on the given clock.</summary>
    public static BillingPeriods Periods(TimeProvider clock) => new(clock, Options.Create(new BillingOptions()));

    public static async Task<MoneyDatabase> CreateAsync(PostgresServerFixture server, string label)
    {
        ArgumentNullException.ThrowIfNull(server);
        var database = await server.CreateDatabaseAsync(label, TestContext.Current.CancellationToken);
        return new MoneyDatabase(database);
    }

    public KiseiDbContext Context() => new(options);

    public async Task<long> AddPlayerAsync(string login, DateTimeOffset seenAt)
    {
        await using var db = Context();
        var player = new Player { Login = login, CreatedAt = seenAt, LastSeenAt = seenAt };
        db.Players.Add(player);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return player.Id;
    }

    /// <summary>Adds a scream with its audio; scored ones carry <paramref name="score"/>.</summary>
    public async Task<Guid> AddScreamAsync(long playerId, decimal score, DateTimeOffset createdAt, DateOnly period, ScreamStatus status = ScreamStatus.Scored)
    {
        await using var db = Context();
        var scream = new Scream
        {
            Id = Guid.CreateVersion7(createdAt),
            PlayerId = playerId,
            CreatedAt = createdAt,
            Period = period,
            Status = status,
            Score = status == ScreamStatus.Scored ? score : null,
            ScoredAt = status == ScreamStatus.Scored ? createdAt : null,
            ByteCount = 4,
            Audio = new ScreamAudio { Wav = [1, 2, 3, 4] },
        };
        db.Screams.Add(scream);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return scream.Id;
    }

    public async ValueTask DisposeAsync() => await database.DisposeAsync();
}
