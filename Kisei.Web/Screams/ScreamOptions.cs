using System.ComponentModel.DataAnnotations;

namespace Kisei.Web.Screams;

/// <summary>Upload limits and the score job's retry policy. Section <c>Screams</c>.</summary>
public sealed class ScreamOptions
{
    public const string Section = "Screams";

    /// <summary>The largest WAV file accepted, in bytes (10 MiB).</summary>
    [Range(1024, 200 * 1024 * 1024)]
    public int MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The shortest clip scored, in seconds.</summary>
    [Range(0.1, 60)]
    public double MinDurationSeconds { get; set; } = 0.5;

    /// <summary>The longest clip scored, in seconds; the recorder stops here too.</summary>
    [Range(1, 600)]
    public double MaxDurationSeconds { get; set; } = 30;

    /// <summary>Uploads a player may make in any 60 seconds.</summary>
    [Range(1, 10_000)]
    public int UploadsPerMinute { get; set; } = 6;

    /// <summary>Uploads a player may make in any 24 hours.</summary>
    [Range(1, 1_000_000)]
    public int UploadsPerDay { get; set; } = 100;

    /// <summary>Uploads one instance reads and stores at once; more get 503 before their bodies are read.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentUploads { get; set; } = 8;

    /// <summary>Uploads one player may have in flight on one instance; more get 429 before their bodies are read.</summary>
    [Range(1, 100)]
    public int MaxConcurrentUploadsPerPlayer { get; set; } = 2;

    /// <summary>
    /// Seconds an upload's body may take to arrive whole; a body that stalls or trickles is cut off with 408.
    /// Kestrel's minimum data rate (240 bytes/s after a 5 s grace) still applies, but it averages over the
    /// whole body, so a body that stops after a good start would outlast it for minutes.
    /// </summary>
    [Range(1, 3600)]
    public int BodyTimeoutSeconds { get; set; } = 30;

    /// <summary>How many times the score job may start on one scream before it is marked failed.</summary>
    [Range(1, 20)]
    public int MaxScoringAttempts { get; set; } = 3;

    /// <summary>How often the sweep looks for screams whose score job was lost, in seconds.</summary>
    [Range(5, 3600)]
    public int RecoverySweepSeconds { get; set; } = 30;
}
