namespace Kisei.Web.Screams;

/// <summary>
/// One upload and, once the score job has run, its analysis (docs/design.md §1.1). The audio itself lives in
/// <see cref="ScreamAudio"/> so that listings never load it and retention can drop it while the
/// score stays.
/// </summary>
public class Scream
{
    public Guid Id { get; set; }

    public long PlayerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The first day of the billing period the scream was uploaded in.</summary>
    public DateOnly Period { get; set; }

    public ScreamStatus Status { get; set; }

    /// <summary>How many times the score job has started on this scream.</summary>
    public int Attempts { get; set; }

    /// <summary>When the latest score job claimed the scream; a claim older than the lease may be taken over.</summary>
    public DateTimeOffset? ScoringStartedAt { get; set; }

    /// <summary>The uploaded file's name as the client gave it, for display only.</summary>
    public string? FileName { get; set; }

    public int ByteCount { get; set; }

    public int? SampleRateHz { get; set; }

    public int? Channels { get; set; }

    /// <summary>l: frames / sample rate.</summary>
    public double? DurationSeconds { get; set; }

    public double? MeanRms { get; set; }

    /// <summary>X in [0, 1].</summary>
    public double? Loudness { get; set; }

    /// <summary>r after the no-speech rule.</summary>
    public int? SpeechCharacters { get; set; }

    /// <summary>Y = 100 − 100·r/(6·l).</summary>
    public double? SpeechFactor { get; set; }

    /// <summary>X·Y clamped to [0, 100], one decimal.</summary>
    public decimal? Score { get; set; }

    /// <summary>"whisper" or "syllables".</summary>
    public string? Recognizer { get; set; }

    public string? Transcript { get; set; }

    public double? NoSpeechProbability { get; set; }

    public double? AverageLogProbability { get; set; }

    /// <summary>Why scoring failed, in words a player can read.</summary>
    public string? FailureReason { get; set; }

    public DateTimeOffset? ScoredAt { get; set; }

    /// <summary>Milliseconds from the job's start to the stored score.</summary>
    public int? ScoringMilliseconds { get; set; }

    /// <summary>Waveform envelope for the plot: per bucket, min then max.</summary>
    public float[]? Envelope { get; set; }

    /// <summary>Frame RMS for the plot, reduced to at most a few hundred points.</summary>
    public float[]? FrameRms { get; set; }

    /// <summary>The token of the result's public link, /s/{token}; null while the result is private (the default).</summary>
    public string? ShareToken { get; set; }

    /// <summary>Whether the public link also plays the audio (while it is kept); the owner's choice.</summary>
    public bool ShareAudio { get; set; }

    public ScreamAudio? Audio { get; set; }
}

public enum ScreamStatus
{
    Pending,
    Scored,
    Failed,
}

/// <summary>The uploaded WAV bytes, stored before the upload is answered.</summary>
public class ScreamAudio
{
    public Guid ScreamId { get; set; }

    public required byte[] Wav { get; set; }
}
