using System.Diagnostics;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Jobs;

/// <summary>
/// Hangfire keeps some settings for the whole process, its log among them. An app whose neighbour in the
/// process has stopped (the test suite's hosts, an app restarted in place) still scores its uploads at once.
/// </summary>
public sealed class SeveralHostsTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_is_scored_promptly_after_another_host_in_the_process_has_stopped()
    {
        await using var database = await server.CreateDatabaseAsync("hosts-staying", Ct);
        await using var otherDatabase = await server.CreateDatabaseAsync("hosts-leaving", Ct);
        await using var app = new KiseiApp(database.ConnectionString);
        app.StartServer();

        // Started last, the other host configures Hangfire last, its log included; then it stops.
        await using (var leaving = new KiseiApp(otherDatabase.ConnectionString))
        {
            leaving.StartServer();
        }

        using var alice = await PlayerClient.SignInAsync(app, "alice-neighbour");
        var uploaded = Stopwatch.StartNew();
        var id = await alice.UploadAcceptedAsync(TestClips.Scream());
        await alice.WaitUntilScoredAsync(id, TimeSpan.FromSeconds(15));
        TestContext.Current.TestOutputHelper?.WriteLine($"scored {uploaded.Elapsed.TotalSeconds:0.00} s after the upload");
    }
}
