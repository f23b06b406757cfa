namespace Kisei.Web.Screams;

/// <summary>
/// One accepted upload, as the rate limit counts it. Kept apart from <see cref="Scream"/> so that
/// deleting a scream gives no slot back; retention drops an attempt once no limit's window holds it.
/// </summary>
public class UploadAttempt
{
    public long Id { get; set; }

    public long PlayerId { get; set; }

    public DateTimeOffset At { get; set; }
}
