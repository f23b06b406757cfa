using System.Linq.Expressions;
using Kisei.Web.Screams;

namespace Kisei.Web.Pages.Screams;

/// <summary>What the result page shows of a scream: its analysis, and whether its audio is still kept (never the audio itself).</summary>
public sealed record ScreamView(
    Guid Id,
    long PlayerId,
    DateTimeOffset CreatedAt,
    ScreamStatus Status,
    int Attempts,
    string? FileName,
    double? DurationSeconds,
    int? SampleRateHz,
    int? Channels,
    double? Loudness,
    int? SpeechCharacters,
    double? SpeechFactor,
    decimal? Score,
    string? Recognizer,
    string? Transcript,
    double? NoSpeechProbability,
    double? AverageLogProbability,
    string? FailureReason,
    float[]? Envelope,
    float[]? FrameRms,
    bool HasAudio,
    string? ShareToken,
    bool ShareAudio)
{
    /// <summary>The projection EF Core translates to SQL.</summary>
    public static readonly Expression<Func<Scream, ScreamView>> FromScream = s => new ScreamView(
        s.Id,
        s.PlayerId,
        s.CreatedAt,
        s.Status,
        s.Attempts,
        s.FileName,
        s.DurationSeconds,
        s.SampleRateHz,
        s.Channels,
        s.Loudness,
        s.SpeechCharacters,
        s.SpeechFactor,
        s.Score,
        s.Recognizer,
        s.Transcript,
        s.NoSpeechProbability,
        s.AverageLogProbability,
        s.FailureReason,
        s.Envelope,
        s.FrameRms,
        s.Audio != null,
        s.ShareToken,
        s.ShareAudio);

    public bool IsPending => Status == ScreamStatus.Pending;
}
