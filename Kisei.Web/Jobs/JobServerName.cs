namespace Kisei.Web.Jobs;

/// <summary>
/// This app's Hangfire server name: the machine (the pod) and a random tag. Hangfire makes the server id
/// <c>name:pid:guid</c>, so the health check can find this replica's server among the others.
/// </summary>
public sealed class JobServerName
{
    public string Name { get; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();
}
