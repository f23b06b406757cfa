using System.Net;
using AngleSharp.Html.Parser;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Jobs;

/// <summary>Drives the Hangfire dashboard as its script does: commands are POSTs carrying the page's antiforgery header.</summary>
internal static class Dashboard
{
    /// <summary>Posts a dashboard command with the header and token the dashboard's pages carry.</summary>
    public static async Task<HttpStatusCode> CommandAsync(PlayerClient admin, string command)
    {
        ArgumentNullException.ThrowIfNull(admin);
        using var page = await admin.Http.GetAsync("/hangfire/kisei/pauses");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var document = await new HtmlParser().ParseDocumentAsync(await page.Content.ReadAsStringAsync());
        var header = document.QuerySelector("meta[name=csrf-header]")?.GetAttribute("content");
        var token = document.QuerySelector("meta[name=csrf-token]")?.GetAttribute("content");
        Assert.False(string.IsNullOrEmpty(header), "The dashboard's pages carry no antiforgery header name.");
        Assert.False(string.IsNullOrEmpty(token), "The dashboard's pages carry no antiforgery token.");
        using var request = new HttpRequestMessage(HttpMethod.Post, command) { Content = new FormUrlEncodedContent([]) };
        request.Headers.Add(header!, token);
        using var response = await admin.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Whether the pauses page lists the recurring job as paused.</summary>
    public static async Task<bool> IsListedPausedAsync(PlayerClient admin, string recurringJobId)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var page = await admin.GetDocumentAsync("/hangfire/kisei/pauses");
        var row = page.QuerySelector($"tr[data-job='{recurringJobId}']") ?? throw new InvalidOperationException($"The pauses page does not list {recurringJobId}.");
        return row.GetAttribute("data-paused") == "true";
    }
}
