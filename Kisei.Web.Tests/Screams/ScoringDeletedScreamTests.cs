using Kisei.Web.Data;
using Kisei.Web.Screams;
using Kisei.Web.Metrics;
using Kisei.Web.Speech;
using Kisei.Web.Tests.Billing;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Screams;

/// <summary>A player deletes a scream while its score run is in the middle of recognition.</summary>
public sealed class ScoringDeletedScreamTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Deleting_during_scoring_leaves_no_failed_run(bool recognitionFailsToo)
    {
        await using var data = await MoneyDatabase.CreateAsync(server, $"scoring-deleted-{recognitionFailsToo}".ToLowerInvariant());
        var now = DateTimeOffset.UtcNow;
        var player = await data.AddPlayerAsync("regretful", now);
        var scream = await data.AddScreamAsync(player, 0m, now, new DateOnly(now.Year, now.Month, 1), ScreamStatus.Pending);
        await using (var db = data.Context())
        {
            db.ScreamAudio.Single(a => a.ScreamId == scream).Wav = TestClips.Scream();
            await db.SaveChangesAsync(Ct);
        }

        var recognizer = new DeleteDuringRecognition(data, scream, recognitionFailsToo);
        await using (var db = data.Context())
        {
            var scorer = new ScreamScorer(db, new ScreamAnalyzer(recognizer), new KiseiMetrics(), TimeProvider.System, Options.Create(new ScreamOptions()), NullLogger<ScreamScorer>.Instance);
            Assert.Equal(ScoreOutcome.Skipped, await scorer.ScoreAsync(scream, ScoringClaim.Now(TimeProvider.System), Ct));
        }

        Assert.True(recognizer.Deleted);
        await using var check = data.Context();
        Assert.False(await check.Screams.AnyAsync(s => s.Id == scream, Ct));
        Assert.False(await check.ScreamAudio.AnyAsync(a => a.ScreamId == scream, Ct));
    }

    /// <summary>Deletes the scream as the player's delete button does, then answers (or fails).</summary>
    private sealed class DeleteDuringRecognition(MoneyDatabase data, Guid scream, bool fail) : ISpeechRecognizer
    {
        public bool Deleted { get; private set; }

        public string Name => "deleting";

        public async ValueTask<Recognition> RecognizeAsync(ReadOnlyMemory<float> samples16kHz, CancellationToken cancellationToken)
        {
            await using KiseiDbContext db = data.Context();
            Deleted = await db.Screams.Where(s => s.Id == scream).ExecuteDeleteAsync(cancellationToken) == 1;
            return fail ? throw new SpeechRecognitionException("The engine gave up.") : new Recognition("deleting", 0, "");
        }
    }
}
