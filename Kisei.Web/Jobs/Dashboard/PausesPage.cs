using System.Globalization;
using System.Net;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;
using Hangfire.Storage;
using Microsoft.Extensions.Localization;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>
/// The dashboard page that pauses and resumes recurring jobs: each job with its schedule, next and last
/// run, and whether it is paused. The buttons post Hangfire's own way (<c>data-ajax</c>, with its
/// antiforgery header) to the commands <see cref="JobsDashboardExtensions"/> registers.
/// </summary>
internal sealed class PausesPage : RazorPage
{
    public const string Path = "/kisei/pauses";

    public override void Execute()
    {
        var services = Context.GetHttpContext().RequestServices;
        var text = services.GetRequiredService<IStringLocalizer<SharedResource>>();
        var paused = services.GetRequiredService<JobPauses>().Paused();
        List<RecurringJobDto> jobs;
        using (var connection = Storage.GetConnection())
        {
            jobs = connection.GetRecurringJobs();
        }

        Layout = new LayoutPage(text["一時停止と再開"]);
        WriteLiteral($"<div class=\"row\"><div class=\"col-md-12\"><h1 class=\"page-header\">{E(text["一時停止と再開"])}</h1>");
        WriteLiteral($"<p>{E(text["一時停止したジョブはスケジュールを保ったまま実行されません。再開すると次の予定時刻から実行されます。"])}</p>");
        WriteLiteral("<div class=\"table-responsive\"><table class=\"table\" data-testid=\"pauses\"><thead><tr>");
        foreach (var heading in new[] { "ジョブ", "スケジュール", "次回", "前回", "状態", "" })
        {
            WriteLiteral($"<th>{E(heading.Length == 0 ? "" : text[heading])}</th>");
        }

        WriteLiteral("</tr></thead><tbody>");
        foreach (var job in jobs.OrderBy(j => RecurringJobs.Ids.ToList().IndexOf(j.Id)))
        {
            var isPaused = paused.Contains(job.Id);
            var name = job.Job is null ? job.Id : JobNames.Describe(Context, job.Job);
            WriteLiteral($"<tr data-job=\"{E(job.Id)}\" data-paused=\"{(isPaused ? "true" : "false")}\">");
            WriteLiteral($"<td>{E(name)}<br><code>{E(job.Id)}</code></td>");
            WriteLiteral($"<td><code>{E(job.Cron)}</code> {E(job.TimeZoneId ?? "UTC")}</td>");
            WriteLiteral($"<td>{E(Time(job.NextExecution))}</td><td>{E(Time(job.LastExecution))} <span>{E(job.LastJobState ?? "")}</span></td>");
            WriteLiteral(isPaused
                ? $"<td><span class=\"label label-warning\">{E(text["一時停止中"])}</span></td>"
                : $"<td><span class=\"label label-success\">{E(text["稼働中"])}</span></td>");
            var (command, label, style) = isPaused ? ("resume", text["再開"], "btn-success") : ("pause", text["一時停止"], "btn-warning");
            WriteLiteral($"<td><button type=\"button\" class=\"btn btn-sm {style}\" data-ajax=\"{E(Url.To($"{Path}/{command}/{job.Id}"))}\">{E(label)}</button></td></tr>");
        }

        WriteLiteral("</tbody></table></div></div></div>");
    }

    private static string Time(DateTime? utc) =>
        utc is { } value ? DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    private static string E(string? value) => WebUtility.HtmlEncode(value ?? "");
}
