using Kisei.Web.Billing;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Scaling;

/// <summary>
/// The checks that span fields, and sections: the budget lives under <c>Billing</c> but limits the replicas,
/// so a budget that cannot pay for <see cref="ScalingOptions.MinReplicas"/> fails the start rather than
/// every scaling run.
/// </summary>
public sealed class ScalingOptionsValidator(IOptions<BillingOptions> billing) : IValidateOptions<ScalingOptions>
{
    public ValidateOptionsResult Validate(string? name, ScalingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = ScalingOptions.Section;
        if (options.MaxReplicas < options.MinReplicas)
        {
            failures.Add($"{section}:MaxReplicas ({options.MaxReplicas}) must be at least {section}:MinReplicas ({options.MinReplicas}).");
        }

        var costs = billing.Value;
        if (costs.MonthlyBudgetYen is { } budget && costs.CostPerReplicaYen > 0)
        {
            var affordable = budget / costs.CostPerReplicaYen;
            if (affordable < options.MinReplicas)
            {
                failures.Add(
                    $"{BillingOptions.Section}:MonthlyBudgetYen ({budget} yen) pays for {affordable} replica(s) at "
                    + $"{BillingOptions.Section}:CostPerReplicaYen ({costs.CostPerReplicaYen} yen), fewer than {section}:MinReplicas ({options.MinReplicas}). "
                    + $"Raise the budget to at least {options.MinReplicas * costs.CostPerReplicaYen} yen or lower MinReplicas.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
