using System.Net;
using Hangfire;
using Hangfire.Storage;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Jobs;

/// <summary>Pause and resume, which Kisei adds to Hangfire: kept in the database, so across restarts and replicas.</summary>
public sealed class PauseTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_paused_job_does_not_run_stays_paused_across_a_restart_and_runs_again_on_its_schedule_once_resumed()
    {
        await using var database = await server.CreateDatabaseAsync("pause", Ct);
        await using var github = await StandInGitHub.StartAsync(Ct);
        var settings = new Dictionary<string, string?>(JobsAppFixture.FastJobs().Concat(github.Settings));
        var cutoff = DateTimeOffset.MinValue;
        await using (var first = new KiseiApp(database.ConnectionString, settings))
        {
            first.StartServer();
            using var admin = await github.SignInAsync(first, JobsAppFixture.AdminLogin);
            await Wait.UntilAsync(() => ScalingRuns(database) > 0, "the scaling job runs", TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.NoContent, await Dashboard.CommandAsync(admin, "/hangfire/kisei/pauses/pause/scaling"));
            Assert.True(await Dashboard.IsListedPausedAsync(admin, "scaling"));
            // A tick created just before the pause may still start within a moment; none may start later.
            cutoff = DateTimeOffset.UtcNow.AddSeconds(1);
            await Eventually.HoldsAsync(() => Task.FromResult(ScalingRunsSince(database, cutoff) == 0), "no scaling run starts while paused", TimeSpan.FromSeconds(4));

            // Paused, the job keeps its schedule: the scheduler still reaches each tick.
            var scaling = RecurringJob(first, "scaling");
            Assert.True(scaling.NextExecution > cutoff.UtcDateTime.AddSeconds(2), $"next execution {scaling.NextExecution:O}");
        }

        await using var second = new KiseiApp(database.ConnectionString, settings);
        second.StartServer();
        using (var admin = await github.SignInAsync(second, JobsAppFixture.AdminLogin))
        {
            Assert.True(await Dashboard.IsListedPausedAsync(admin, "scaling"));
            Assert.False(await Dashboard.IsListedPausedAsync(admin, "cost-shares"));
            await Eventually.HoldsAsync(() => Task.FromResult(ScalingRunsSince(database, cutoff) == 0), "no scaling run starts after the restart", TimeSpan.FromSeconds(3));

            Assert.Equal(HttpStatusCode.NoContent, await Dashboard.CommandAsync(admin, "/hangfire/kisei/pauses/resume/scaling"));

            await Eventually.UntilAsync(() => Task.FromResult(ScalingRunsSince(database, cutoff) >= 2), "the scaling job runs again", TimeSpan.FromSeconds(10));
            Assert.False(await Dashboard.IsListedPausedAsync(admin, "scaling"));
        }
    }

    private static int ScalingRuns(TestDatabase database) => ScalingRunsSince(database, DateTimeOffset.MinValue);

    private static int ScalingRunsSince(TestDatabase database, DateTimeOffset since)
    {
        using var db = database.CreateContext();
        return db.ScalingRuns.Count(r => r.At > since);
    }

    private static RecurringJobDto RecurringJob(KiseiApp app, string id)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs().Single(j => j.Id == id);
    }
}
