using Kisei.Web.Data;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Kisei.Web.Tests.Data;

/// <summary>The contexts' connection settings (<see cref="KiseiDbContext.Tuned"/>), on real PostgreSQL.</summary>
public sealed class ConnectionTuningTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_contexts_prepare_statements_and_skip_the_reset_unless_the_connection_string_says_otherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(KiseiDbContext.Tuned("Host=db;Database=kisei"));
        Assert.Equal(64, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal("db", tuned.Host);

        var chosen = new NpgsqlConnectionStringBuilder(KiseiDbContext.Tuned("Host=db;Max Auto Prepare=0;No Reset On Close=false"));
        Assert.Equal(0, chosen.MaxAutoPrepare);
        Assert.False(chosen.NoResetOnClose);
    }

    [Fact]
    public async Task On_the_tuned_connection_a_query_run_again_is_prepared_on_the_server()
    {
        await using var database = await server.CreateDatabaseAsync("tuning", Ct);
        await using var db = new KiseiDbContext(KiseiDbContext.OptionsFor(KiseiDbContext.Tuned(database.ConnectionString)));
        await db.Database.OpenConnectionAsync(Ct);
        // Npgsql prepares a statement on its fifth run (Auto Prepare Min Usages).
        for (var run = 0; run < 5; run++)
        {
            _ = await db.Players.CountAsync(p => p.Login == "nobody", Ct);
        }

        var prepared = await db.Database
            .SqlQuery<string>($"SELECT statement AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%FROM players%'")
            .ToListAsync(Ct);
        Assert.Single(prepared);
    }
}
