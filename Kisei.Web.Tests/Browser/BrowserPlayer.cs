using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Kisei.Web.Tests.Browser;

/// <summary>
/// A signed-in player in a browser context of their own: one page, and what the page did — its
/// requests, console errors and Content Security Policy violations — recorded as it happens.
/// </summary>
public sealed class BrowserPlayer : IAsyncDisposable
{
    private readonly ConcurrentQueue<IRequest> requests = new();
    private readonly ConcurrentQueue<string> consoleErrors = new();
    private readonly ConcurrentQueue<string> policyViolations;

    private BrowserPlayer(IBrowserContext context, IPage page, string login, ConcurrentQueue<string> policyViolations)
    {
        this.policyViolations = policyViolations;
        Context = context;
        Page = page;
        Login = login;
        page.Request += (_, request) => requests.Enqueue(request);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                consoleErrors.Enqueue(message.Text);
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public string Login { get; }

    /// <summary>Every request the page made, in order.</summary>
    public IReadOnlyList<IRequest> Requests => [.. requests];

    /// <summary>The text of every console message of type error.</summary>
    public IReadOnlyList<string> ConsoleErrors => [.. consoleErrors];

    /// <summary>Every <c>securitypolicyviolation</c> event the page's documents raised: directive and blocked URI.</summary>
    public IReadOnlyList<string> PolicyViolations => [.. policyViolations];

    public static async Task<BrowserPlayer> OpenAsync(IBrowserContext context, string login)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Playwright's bindings and init scripts run outside the page's CSP, so they can watch it.
        var policyViolations = new ConcurrentQueue<string>();
        await context.ExposeFunctionAsync("__kiseiPolicyViolation", (string violation) => policyViolations.Enqueue(violation));
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', (e) => window.__kiseiPolicyViolation(`${e.violatedDirective} ${e.blockedURI}`));");
        return new BrowserPlayer(context, await context.NewPageAsync(), login, policyViolations);
    }

    /// <summary>How many requests the page made whose URL contains <paramref name="fragment"/>.</summary>
    public int CountRequests(string fragment) => requests.Count(r => r.Url.Contains(fragment, StringComparison.Ordinal));

    /// <summary>The requests whose URL matches <paramref name="predicate"/>.</summary>
    public int CountRequests(Func<string, bool> predicate) => requests.Count(r => predicate(r.Url));

    /// <summary>GET /api/screams/{id} with the context's cookies.</summary>
    public async Task<JsonElement> GetScreamAsync(Guid id)
    {
        var response = await Context.APIRequest.GetAsync($"/api/screams/{id}");
        Assert.Equal(200, response.Status);
        return JsonDocument.Parse(await response.TextAsync()).RootElement.Clone();
    }

    /// <summary>The number in the elapsed timer.</summary>
    public async Task<double> ElapsedSecondsAsync() =>
        double.Parse(await Page.TextContentAsync("#elapsed") ?? "", NumberStyles.Float, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
