using Hangfire;
using Kisei.Web.Screams;
using Kisei.Web.Speech;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Jobs;

/// <summary>A recognizer that always throws something other than a recognition failure, as a passing fault would.</summary>
public sealed class ThrowingRecognizerAppFixture(PostgresServerFixture server) : AppFixture(server)
{
    public const string Fault = "the recognizer tripped on purpose";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Screams:MaxScoringAttempts"] = "2" };

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddSingleton<ISpeechRecognizer, ThrowingRecognizer>();

    private sealed class ThrowingRecognizer : ISpeechRecognizer
    {
        public string Name => "throwing";

        public ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Fault);
    }
}

public sealed class ScoringJobTests(ThrowingRecognizerAppFixture fixture) : IClassFixture<ThrowingRecognizerAppFixture>
{
    [Fact]
    public async Task A_score_job_that_throws_is_retried_then_the_scream_is_marked_failed_after_its_attempts()
    {
        using var alice = await PlayerClient.SignInAsync(fixture.App, "alice-throwing");

        var id = await alice.UploadAcceptedAsync(TestClips.Scream());

        var scream = default(System.Text.Json.JsonElement);
        await Wait.UntilAsync(
            () => (scream = alice.GetScreamAsync(id).GetAwaiter().GetResult()).GetProperty("status").GetString() != "pending",
            "the scream is no longer pending",
            TimeSpan.FromSeconds(60));
        Assert.Equal("failed", scream.GetProperty("status").GetString());
        Assert.Equal(2, scream.GetProperty("attempts").GetInt32());
        Assert.Contains(ThrowingRecognizerAppFixture.Fault, scream.GetProperty("failureReason").GetString(), StringComparison.Ordinal);

        // Hangfire ran the job twice: one failure it scheduled for a retry, then the run that gave up.
        var monitoring = fixture.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await Wait.UntilAsync(
            () => monitoring.SucceededJobs(0, 50)
                .Where(j => j.Value.Job?.Type == typeof(ScoreScreamJob))
                .Select(j => monitoring.JobDetails(j.Key).History)
                .Any(history => history.Count(h => h.StateName == "Processing") == 2
                    && history.Any(h => h.StateName == "Scheduled" && h.Reason!.Contains("Retry attempt 1", StringComparison.Ordinal))),
            "the score job has succeeded after one retry",
            TimeSpan.FromSeconds(10));
    }
}
