using Kisei.Web.Accounts;
using Kisei.Web.Jobs.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kisei.Web.Pages.Jobs;

/// <summary>/jobs/history?job=group.name: one job's last runs, with the stack trace of each failure.</summary>
[Authorize(Policy = PlayerClaims.AdminRole)]
public sealed class HistoryModel(JobDashboard dashboard) : PageModel
{
    public JobHistory History { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string? job, CancellationToken cancellationToken)
    {
        if (JobDashboard.ParseKey(job) is not { } key || await dashboard.GetHistoryAsync(key, cancellationToken) is not { } history)
        {
            return NotFound();
        }

        History = history;
        return Page();
    }
}
