using System.Globalization;
using System.Net;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;
using Hangfire.Storage;
using Kisei.Web.Pages;
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
        var times = services.GetRequiredService<DisplayTime>();
        foreach (var heading in new[] { "ジョブ", "スケジュール", "次回", "前回", "状態", "" })
        {
            // The times' columns name the billing zone their times are on, as Kisei's pages do.
            var zone = heading is "次回" or "前回" ? $" <small>({E(times.ZoneName)})</small>" : "";
            WriteLiteral($"<th>{E(heading.Length == 0 ? "" : text[heading])}{zone}</th>");
        }

        WriteLiteral("</tr></thead><tbody>");
        foreach (var job in jobs.OrderBy(j => RecurringJobs.Ids.ToList().IndexOf(j.Id)))
        {
            var isPaused = paused.Contains(job.Id);
            var name = job.Job is null ? job.Id : JobNames.Describe(Context, job.Job);
            WriteLiteral($"<tr data-job=\"{E(job.Id)}\" data-paused=\"{(isPaused ? "true" : "false")}\">");
            WriteLiteral($"<td>{E(name)}<br><code>{E(job.Id)}</code></td>");
            WriteLiteral($"<td><code>{E(job.Cron)}</code> {E(job.TimeZoneId ?? "UTC")}</td>");
            WriteLiteral($"<td>{Time(times, job.NextExecution)}</td><td>{Time(times, job.LastExecution)} <span>{E(job.LastJobState ?? "")}</span></td>");
            WriteLiteral(isPaused
                ? $"<td><span class=\"label label-warning\">{E(text["一時停止中"])}</span></td>"
                : $"<td><span class=\"label label-success\">{E(text["稼働中"])}</span></td>");
            var (command, label, style) = isPaused ? ("resume", text["再開"], "btn-success") : ("pause", text["一時停止"], "btn-warning");
            WriteLiteral($"<td><button type=\"button\" class=\"btn btn-sm {style}\" data-ajax=\"{E(Url.To($"{Path}/{command}/{job.Id}"))}\">{E(label)}</button></td></tr>");
        }

        WriteLiteral("</tbody></table></div></div></div>");
    }

    /// <summary>A time from Hangfire's storage (UTC) on the billing zone's clock, as HTML.</summary>
    private static string Time(DisplayTime times, DateTime? utc)
    {
        if (utc is not { } value)
        {
            return "—";
        }

        var instant = new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
        return $"<time datetime=\"{DisplayTime.Iso(instant)}\">{times.Local(instant).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</time>";
    }

    private static string E(string? value) => WebUtility.HtmlEncode(value ?? "");
}
