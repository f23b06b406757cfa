using System.Net;
using Kisei.Web.Data;
using Kisei.Web.Screams;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Screams;

public sealed class RetryTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_failed_scream_can_be_scored_again_by_its_owner()
    {
        using var alice = await PlayerClient.SignInAsync(fixture.App, "alice-retry");
        var id = await alice.UploadAcceptedAsync(TestClips.Scream());
        await alice.WaitUntilScoredAsync(id);
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            // As if recognition had failed.
            var db = scope.ServiceProvider.GetRequiredService<KiseiDbContext>();
            await db.Screams.Where(s => s.Id == id).ExecuteUpdateAsync(
                update => update.SetProperty(s => s.Status, ScreamStatus.Failed).SetProperty(s => s.FailureReason, "Speech recognition failed: test"),
                TestContext.Current.CancellationToken);
        }

        var page = await alice.GetDocumentAsync($"/screams/{id}");
        Assert.Contains("Speech recognition failed: test", page.QuerySelector("[role=alert]")!.TextContent, StringComparison.Ordinal);

        using var retry = await alice.SubmitAsync($"/screams/{id}", "form[action*=Retry]");

        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        var scream = await alice.WaitUntilScoredAsync(id);
        Assert.Equal(JsonValueKindNull, scream.GetProperty("failureReason").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
