using Kisei.Web.Accounts;
using Kisei.Web.Data;
using Microsoft.EntityFrameworkCore;
using Kisei.Web.Jobs;

namespace Kisei.Web.Screams;

/// <summary>Upload, the score job's services, and the JSON API.</summary>
public static class ScreamsExtensions
{
    public static WebApplicationBuilder AddScreams(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ScreamOptions>().BindConfiguration(ScreamOptions.Section)
            .ValidateDataAnnotations()
            .Validate(options => Every.Cron(options.RecoverySweepSeconds) is not null, Every.Refusal("Screams:RecoverySweepSeconds"))
            .Validate(options => options.MinDurationSeconds < options.MaxDurationSeconds, "Screams:MinDurationSeconds must be below MaxDurationSeconds.")
            .ValidateOnStart();
        services.AddSingleton<ScreamAnalyzer>();
        services.AddSingleton<ScoreDispatcher>();
        services.AddSingleton<ScoreBulletin>();
        services.AddScoped<ScreamScorer>();
        services.AddScoped<PendingScreamRecovery>();
        services.AddScoped<UploadRateLimit>();
        services.AddSingleton<UploadGate>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .ValidateDataAnnotations()
            .Validate(options => Cronos.CronExpression.TryParse(options.Cron, Cronos.CronFormat.IncludeSeconds, out _), "Retention:Cron is not a valid 6-field cron expression (seconds minutes hours day month weekday).")
            .ValidateOnStart();
        services.AddScoped<DataRetention>();
        return builder;
    }

    public static IEndpointRouteBuilder MapScreams(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapScreamUpload();
        endpoints.MapGet("/api/screams/{id:guid}", GetScreamAsync).RequireAuthorization();
        return endpoints;
    }

    /// <summary>GET /api/screams/{id}: the owner's view of one scream; 404 for anyone else.</summary>
    private static async Task<IResult> GetScreamAsync(Guid id, HttpContext http, KiseiDbContext db, CancellationToken cancellationToken)
    {
        var playerId = http.User.GetPlayerId();
        var scream = await db.Screams.AsNoTracking()
            .Where(s => s.Id == id && s.PlayerId == playerId)
            .Select(s => new
            {
                id = s.Id,
                status = s.Status.ToString().ToLowerInvariant(),
                createdAt = s.CreatedAt,
                fileName = s.FileName,
                durationSeconds = s.DurationSeconds,
                sampleRateHz = s.SampleRateHz,
                channels = s.Channels,
                meanRms = s.MeanRms,
                loudness = s.Loudness,
                speechCharacters = s.SpeechCharacters,
                speechFactor = s.SpeechFactor,
                score = s.Score,
                recognizer = s.Recognizer,
                transcript = s.Transcript,
                noSpeechProbability = s.NoSpeechProbability,
                averageLogProbability = s.AverageLogProbability,
                failureReason = s.FailureReason,
                scoredAt = s.ScoredAt,
                attempts = s.Attempts,
            })
            .SingleOrDefaultAsync(cancellationToken);
        return scream is null ? Results.NotFound() : Results.Ok(scream);
    }
}
