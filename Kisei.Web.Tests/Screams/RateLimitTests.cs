using System.Net;
using Kisei.Web.Tests.Infrastructure;

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
}
