using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Accounts;

/// <summary>The Data Protection key ring lives in the database, so replicas read each other's cookies (docs/design.md).</summary>
public sealed class DataProtectionKeyTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task What_one_replica_protects_another_unprotects_with_the_key_kept_in_the_database()
    {
        await using var database = await server.CreateDatabaseAsync("keys", Ct);
        string protectedText;
        await using (var first = new KiseiApp(database.ConnectionString))
        {
            protectedText = Protector(first).Protect("奇声");
        }

        await using var second = new KiseiApp(database.ConnectionString);

        Assert.Equal("奇声", Protector(second).Unprotect(protectedText));
        await using var db = database.CreateContext();
        var key = await db.DataProtectionKeys.AsNoTracking().SingleAsync(Ct);
        Assert.StartsWith("<key id=", key.Xml, StringComparison.Ordinal);
        Assert.StartsWith("key-", key.FriendlyName, StringComparison.Ordinal);
    }

    private static IDataProtector Protector(KiseiApp app) =>
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Kisei.Web.Tests");
}
