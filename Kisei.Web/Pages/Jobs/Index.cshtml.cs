using Kisei.Web.Accounts;
using Kisei.Web.Jobs.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Quartz;

namespace Kisei.Web.Pages.Jobs;

/// <summary>
/// /jobs: the job dashboard (DESIGN §6), for admins. The chart fragment polls itself through the
/// Chart handler; the actions post back here and redirect to the page they came from.
/// </summary>
[Authorize(Policy = PlayerClaims.AdminRole)]
public sealed class IndexModel(JobDashboard dashboard) : PageModel
{
    public JobOverview Overview { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Overview = await dashboard.GetOverviewAsync(cancellationToken);

    /// <summary>The runs-per-minute chart, which htmx polls.</summary>
    public async Task<IActionResult> OnGetChartAsync(CancellationToken cancellationToken) =>
        Partial("_RunsChart", await dashboard.GetRunsPerMinuteAsync(cancellationToken));

    public Task<IActionResult> OnPostTriggerAsync(string? job, string? returnUrl, CancellationToken cancellationToken) =>
        ActAsync(job, returnUrl, dashboard.TriggerAsync, cancellationToken);

    public Task<IActionResult> OnPostPauseAsync(string? job, string? returnUrl, CancellationToken cancellationToken) =>
        ActAsync(job, returnUrl, dashboard.PauseAsync, cancellationToken);

    public Task<IActionResult> OnPostResumeAsync(string? job, string? returnUrl, CancellationToken cancellationToken) =>
        ActAsync(job, returnUrl, dashboard.ResumeAsync, cancellationToken);

    private async Task<IActionResult> ActAsync(
        string? job, string? returnUrl, Func<JobKey, CancellationToken, Task<bool>> action, CancellationToken cancellationToken)
    {
        if (JobDashboard.ParseKey(job) is not { } key || !await action(key, cancellationToken))
        {
            return NotFound();
        }

        // Back to the dashboard or a job's history, never elsewhere.
        return ReturnUrls.Local(returnUrl) is { } local && local.StartsWith("/jobs", StringComparison.Ordinal)
            ? LocalRedirect(local)
            : RedirectToPage();
    }
}
