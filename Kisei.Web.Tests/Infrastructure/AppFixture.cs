using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>A class fixture: a fresh database and a running Kisei on it, shared by the tests of one class.</summary>
public class AppFixture(PostgresServerFixture server) : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public KiseiApp App { get; private set; } = null!;

    /// <summary>Settings this fixture's app runs with, on top of <see cref="KiseiApp.Defaults"/>.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async ValueTask InitializeAsync()
    {
        Database = await server.CreateDatabaseAsync(GetType().Name.ToLowerInvariant(), TestContext.Current.CancellationToken);
        App = new KiseiApp(Database.ConnectionString, Settings) { TestServices = ConfigureTestServices };
        ConfigureServer(App);
        App.StartServer();
    }

    /// <summary>Swaps an I/O seam in the app's services, when a test must.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    /// <summary>Runs before the app starts: the place to pick a real server, e.g. <c>app.UseKestrel(...)</c>.</summary>
    protected virtual void ConfigureServer(KiseiApp app)
    {
    }

    public virtual async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
