using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kisei.Web.Pages.Jobs;

/// <summary>/jobs/scaling: each scaling run's observed → target, its action and why; linked from the dashboard's menu.</summary>
[Authorize(Policy = PlayerClaims.AdminRole)]
public sealed class ScalingModel(Decisions decisions, BudgetAlarm alarm) : PageModel
{
    public Decisions Decisions => decisions;

    public IReadOnlyList<ScalingDecision> Runs { get; private set; } = [];

    public BudgetStatus? Budget { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Runs = await decisions.ScalingAsync(cancellationToken);
        Budget = await alarm.StatusAsync(cancellationToken);
    }
}
