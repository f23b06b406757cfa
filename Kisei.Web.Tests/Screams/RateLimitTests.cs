using System.Net;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Screams;

public sealed class RateLimitedApp(PostgresServerFixture server) : AppFixture(server)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Screams:UploadsPerMinute"] = "2",
        ["Screams:UploadsPerDay"] = "3",
    };
}

public sealed class RateLimitTests(RateLimitedApp fixture) : IClassFixture<RateLimitedApp>
{
    [Fact]
    public async Task Uploads_past_the_per_minute_limit_get_429_with_retry_after_and_are_not_stored()
    {
        using var alice = await PlayerClient.SignInAsync(fixture.App, "alice-eager");
        await alice.UploadAcceptedAsync(TestClips.Scream());
        await alice.UploadAcceptedAsync(TestClips.Scream());

        using var refused = await alice.UploadAsync(TestClips.Scream());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        Assert.Contains("秒後", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // Another player is not affected.
        using var bob = await PlayerClient.SignInAsync(fixture.App, "bob-calm");
        await bob.UploadAcceptedAsync(TestClips.Scream());
    }

    [Fact]
    public async Task Delete_and_upload_cannot_exceed_the_per_minute_limit()
    {
        using var alice = await PlayerClient.SignInAsync(fixture.App, "alice-deleter");
        foreach (var id in new[] { await alice.UploadAcceptedAsync(TestClips.Scream()), await alice.UploadAcceptedAsync(TestClips.Scream()) })
        {
            using var deleted = await alice.SubmitAsync($"/screams/{id}/delete", "main form", ("confirm", "yes"));
            Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        }

        using var refused = await alice.UploadAsync(TestClips.Scream());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
    }

    [Fact]
    public async Task Delete_and_upload_cannot_exceed_the_daily_limit()
    {
        using var bob = await PlayerClient.SignInAsync(fixture.App, "bob-deleter");
        // Earlier today bob made his three uploads, then deleted every scream: only the ledger remembers.
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KiseiDbContext>();
            var bobId = await db.Players.Where(p => p.Login == "bob-deleter").Select(p => p.Id).SingleAsync(TestContext.Current.CancellationToken);
            var earlier = DateTimeOffset.UtcNow.AddHours(-2);
            db.UploadAttempts.AddRange(Enumerable.Range(0, 3).Select(i => new UploadAttempt { PlayerId = bobId, At = earlier.AddMinutes(i) }));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            Assert.False(await db.Screams.AnyAsync(s => s.PlayerId == bobId, TestContext.Current.CancellationToken));
        }

        using var refused = await bob.UploadAsync(TestClips.Scream());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalHours, 21, 22.1);
    }
}
