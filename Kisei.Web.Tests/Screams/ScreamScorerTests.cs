using Kisei.Web.Billing;
using Kisei.Web.Screams;
using Kisei.Web.Speech;
using Kisei.Web.Tests.Billing;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Screams;

/// <summary>Claims and attempts: a clip that keeps taking its process down is not retried forever.</summary>
public sealed class ScreamScorerTests(PostgresServerFixture server)
{
    private static readonly ScreamOptions Limits = new() { MaxScoringAttempts = 3 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_run_taking_over_its_own_claim_on_a_scream_that_has_used_its_attempts_fails_it_instead_of_scoring_it()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scorer-attempts");
        var now = DateTimeOffset.UtcNow;
        var player = await data.AddPlayerAsync("crasher", now);
        var scream = await data.AddScreamAsync(player, 0m, now.AddMinutes(-30), new DateOnly(now.Year, now.Month, 1), ScreamStatus.Pending);
        var crashed = ScoringClaim.Now(TimeProvider.System).At.AddSeconds(-30);
        await SetClaimAsync(data, scream, attempts: Limits.MaxScoringAttempts, claimedAt: crashed);

        await using (var db = data.Context())
        {
            var outcome = await Scorer(db, new SyllableRecognizer()).ScoreAsync(scream, ScoringClaim.Now(TimeProvider.System, takesOver: crashed), Ct);
            Assert.Equal(ScoreOutcome.Failed, outcome);
        }

        await using (var db = data.Context())
        {
            var failed = await db.Screams.AsNoTracking().SingleAsync(s => s.Id == scream, Ct);
            Assert.Equal((ScreamStatus.Failed, Limits.MaxScoringAttempts), (failed.Status, failed.Attempts));
            Assert.Contains("3 attempts", failed.FailureReason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_second_run_leaves_a_scream_another_run_holds_alone()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scorer-held");
        var now = DateTimeOffset.UtcNow;
        var player = await data.AddPlayerAsync("holder", now);
        var scream = await data.AddScreamAsync(player, 0m, now, new DateOnly(now.Year, now.Month, 1), ScreamStatus.Pending);
        await SetClaimAsync(data, scream, attempts: 1, claimedAt: now);

        await using (var db = data.Context())
        {
            var outcome = await Scorer(db, new SyllableRecognizer()).ScoreAsync(scream, ScoringClaim.Now(TimeProvider.System), Ct);
            Assert.Equal(ScoreOutcome.Skipped, outcome);
        }

        await using (var db = data.Context())
        {
            var untouched = await db.Screams.AsNoTracking().SingleAsync(s => s.Id == scream, Ct);
            Assert.Equal((ScreamStatus.Pending, 1), (untouched.Status, untouched.Attempts));
        }
    }

    [Fact]
    public async Task A_run_delivered_again_takes_over_only_its_own_claim_not_one_another_job_holds()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scorer-takeover");
        var now = DateTimeOffset.UtcNow;
        var player = await data.AddPlayerAsync("twice-queued", now);
        var scream = await data.AddScreamAsync(player, 0m, now, new DateOnly(now.Year, now.Month, 1), ScreamStatus.Pending);
        var otherJobs = ScoringClaim.Now(TimeProvider.System);
        await SetClaimAsync(data, scream, attempts: 1, claimedAt: otherJobs.At);

        // This job's earlier run was killed before its claim landed; the other job's run holds the scream.
        await using (var db = data.Context())
        {
            var outcome = await Scorer(db, new SyllableRecognizer()).ScoreAsync(scream, ScoringClaim.Now(TimeProvider.System, takesOver: otherJobs.At.AddMilliseconds(-5)), Ct);
            Assert.Equal(ScoreOutcome.Skipped, outcome);
        }

        await using (var db = data.Context())
        {
            var held = await db.Screams.AsNoTracking().SingleAsync(s => s.Id == scream, Ct);
            Assert.Equal((ScreamStatus.Pending, 1, (DateTimeOffset?)otherJobs.At), (held.Status, held.Attempts, held.ScoringStartedAt));
        }

        // The other job's run, delivered again after its worker died, takes its own claim over.
        await using (var db = data.Context())
        {
            db.ScreamAudio.Single(a => a.ScreamId == scream).Wav = TestClips.Scream();
            await db.SaveChangesAsync(Ct);
            var outcome = await Scorer(db, new SyllableRecognizer()).ScoreAsync(scream, ScoringClaim.Now(TimeProvider.System, takesOver: otherJobs.At), Ct);
            Assert.Equal(ScoreOutcome.Scored, outcome);
        }
    }

    [Fact]
    public async Task A_run_cut_short_by_shutdown_gives_back_its_claim_and_its_attempt()
    {
        await using var data = await MoneyDatabase.CreateAsync(server, "scorer-shutdown");
        var now = DateTimeOffset.UtcNow;
        var player = await data.AddPlayerAsync("interrupted", now);
        var scream = await data.AddScreamAsync(player, 0m, now, new DateOnly(now.Year, now.Month, 1), ScreamStatus.Pending);
        await SetClaimAsync(data, scream, attempts: 1, claimedAt: null);
        await using (var db = data.Context())
        {
            db.ScreamAudio.Single(a => a.ScreamId == scream).Wav = TestClips.Scream();
            await db.SaveChangesAsync(Ct);
        }

        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using (var db = data.Context())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => Scorer(db, new ShutdownDuringRecognition(shutdown)).ScoreAsync(scream, ScoringClaim.Now(TimeProvider.System), shutdown.Token));
        }

        await using (var check = data.Context())
        {
            var released = await check.Screams.AsNoTracking().SingleAsync(s => s.Id == scream, Ct);
            Assert.Equal((ScreamStatus.Pending, 1, (DateTimeOffset?)null), (released.Status, released.Attempts, released.ScoringStartedAt));
        }
    }

    private static ScreamScorer Scorer(Kisei.Web.Data.KiseiDbContext db, ISpeechRecognizer recognizer) =>
        new(db, new ScreamAnalyzer(recognizer), new Kisei.Web.Metrics.KiseiMetrics(), TimeProvider.System, Options.Create(Limits), NullLogger<ScreamScorer>.Instance);

    private static async Task SetClaimAsync(MoneyDatabase data, Guid scream, int attempts, DateTimeOffset? claimedAt)
    {
        await using var db = data.Context();
        await db.Screams.Where(s => s.Id == scream).ExecuteUpdateAsync(
            update => update.SetProperty(s => s.Attempts, attempts).SetProperty(s => s.ScoringStartedAt, claimedAt),
            Ct);
    }

    /// <summary>The app begins to stop while the clip is being recognized.</summary>
    private sealed class ShutdownDuringRecognition(CancellationTokenSource shutdown) : ISpeechRecognizer
    {
        public string Name => "shutdown";

        public async ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
        {
            await shutdown.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("The shutdown token was not passed down.");
        }
    }
}
