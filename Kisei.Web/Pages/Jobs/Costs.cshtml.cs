using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kisei.Web.Pages.Jobs;

/// <summary>/jobs/costs: each cost-shares run's bill, players and total score, and the budget's projection; linked from the dashboard's menu.</summary>
[Authorize(Policy = PlayerClaims.AdminRole)]
public sealed class CostsModel(Decisions decisions, BudgetAlarm alarm) : PageModel
{
    public Decisions Decisions => decisions;

    public IReadOnlyList<CostDecision> Runs { get; private set; } = [];

    public BudgetStatus? Budget { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Runs = await decisions.CostsAsync(cancellationToken);
        Budget = await alarm.StatusAsync(cancellationToken);
    }
}
