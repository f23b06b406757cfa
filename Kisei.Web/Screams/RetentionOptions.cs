using System.ComponentModel.DataAnnotations;

namespace Kisei.Web.Screams;

/// <summary>How long stored data is kept. Section <c>Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Days an uploaded scream's audio is kept; its score, transcript and plot stay.</summary>
    [Range(1, 3650)]
    public int AudioRetentionDays { get; set; } = 7;

    /// <summary>Days a failed scream's audio is kept, so that it can be retried until then.</summary>
    [Range(1, 3650)]
    public int FailedAudioRetentionDays { get; set; } = 30;

    /// <summary>Days the scaling runs are kept; the stabilization window needs minutes of them.</summary>
    [Range(1, 3650)]
    public int ScalingRunRetentionDays { get; set; } = 7;

    /// <summary>
    /// Days the cost-share snapshots are kept; at least 31, so the running period's history stays whole.
    /// Each period's last snapshot, its final bill, is kept for good.
    /// </summary>
    [Range(31, 3650)]
    public int ShareSnapshotRetentionDays { get; set; } = 35;

    /// <summary>When the retention job runs: a 6-field cron expression (seconds first) in the Billing:TimeZone (daily at 04:30).</summary>
    [Required]
    public string Cron { get; set; } = "0 30 4 * * ?";
}
