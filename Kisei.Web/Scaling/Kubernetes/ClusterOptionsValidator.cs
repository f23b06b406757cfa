using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>Checks <see cref="ClusterOptions"/> at start, so a typo fails the start and not every scaling run.</summary>
public sealed partial class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = ClusterOptions.SectionName;
        var connection = options.Kubernetes;

        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"{section}:Mode must be Auto, Kubernetes or Simulated.");
        }

        // Names go into the URL path, so only what Kubernetes itself accepts gets through.
        if (!string.IsNullOrEmpty(options.Namespace) && !IsDnsLabel(options.Namespace))
        {
            failures.Add($"{section}:Namespace '{options.Namespace}' is not a valid namespace (lower-case letters, digits and '-', at most 63).");
        }

        if (!IsDnsSubdomain(options.Deployment))
        {
            failures.Add($"{section}:Deployment '{options.Deployment}' is not a valid Deployment name (lower-case letters, digits, '-' and '.', at most 253).");
        }

        if (connection is null)
        {
            failures.Add($"{section}:Kubernetes must not be null.");
            return ValidateOptionsResult.Fail(failures);
        }

        if (string.IsNullOrWhiteSpace(connection.ServiceAccountPath))
        {
            failures.Add($"{section}:Kubernetes:ServiceAccountPath must not be empty.");
        }

        if (connection.RequestTimeout <= TimeSpan.Zero || connection.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{section}:Kubernetes:RequestTimeout must be above zero and at most 5 minutes.");
        }

        if (connection.MaxAttempts is < 1 or > 10)
        {
            failures.Add($"{section}:Kubernetes:MaxAttempts must be between 1 and 10.");
        }

        if (connection.InitialBackoff < TimeSpan.Zero || connection.MaxBackoff < connection.InitialBackoff)
        {
            failures.Add($"{section}:Kubernetes:InitialBackoff must be at least zero and MaxBackoff at least InitialBackoff.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsDnsLabel(string value) => value.Length <= 63 && DnsLabel().IsMatch(value);

    internal static bool IsDnsSubdomain(string? value) =>
        value is { Length: > 0 and <= 253 } && value.Split('.').All(label => label.Length <= 63 && DnsLabel().IsMatch(label));

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();
}
