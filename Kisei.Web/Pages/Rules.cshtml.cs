using Kisei.Web.Billing;
using Kisei.Web.Scaling;
using Kisei.Web.Screams;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Pages;

/// <summary>/rules: the score formula, the split and the scaling in words and numbers, with this server's settings.</summary>
public sealed class RulesModel(
    IOptions<BillingOptions> billing,
    IOptions<ScalingOptions> scaling,
    IOptions<ScreamOptions> screams,
    IOptions<RetentionOptions> retention) : PageModel
{
    public BillingOptions Billing => billing.Value;

    public ScalingOptions Scaling => scaling.Value;

    public ScreamOptions Screams => screams.Value;

    public RetentionOptions Retention => retention.Value;

    /// <summary>The worked example of the split: three players with these standings share a bill of two replicas.</summary>
    public IReadOnlyList<CostShare> Example { get; private set; } = [];

    public long ExampleBillYen => 2 * Billing.CostPerReplicaYen;

    public void OnGet() =>
        Example = CostSplitter.Split(ExampleBillYen, [new PlayerStanding(1, 300m), new PlayerStanding(2, 150m), new PlayerStanding(3, 50m)]);
}
