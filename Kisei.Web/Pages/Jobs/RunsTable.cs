using Kisei.Web.Jobs.Dashboard;

namespace Kisei.Web.Pages.Jobs;

/// <summary>The model of <c>_Runs</c>: runs to list, and whether each row names its job (the failures across jobs do).</summary>
public sealed record RunsTable(IReadOnlyList<JobRun> Runs, bool ShowJob, string TestId);
