using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>A signed-in player driving Kisei as a browser would: real pages, real forms, their antiforgery tokens.</summary>
public sealed class PlayerClient(HttpClient client, string login) : IDisposable
{
    public HttpClient Http { get; } = client;

    public string Login { get; } = login;

    /// <summary>Signs in with development sign-in, through the form on the landing page.</summary>
    public static async Task<PlayerClient> SignInAsync(KiseiApp app, string login)
    {
        ArgumentNullException.ThrowIfNull(app);
        var client = app.CreateBrowserClient();
        using var response = await PostDevelopmentSignInAsync(client, login);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return new PlayerClient(client, login);
    }

    /// <summary>Fills in and sends the landing page's development sign-in form; the caller checks the answer.</summary>
    public static async Task<HttpResponseMessage> PostDevelopmentSignInAsync(HttpClient client, string login)
    {
        ArgumentNullException.ThrowIfNull(client);
        var landing = await GetDocumentAsync(client, "/");
        var form = landing.QuerySelector<IHtmlFormElement>("form.dev-sign-in") ?? throw new InvalidOperationException("The landing page has no development sign-in form.");
        return await client.PostAsync(form.Action, FormFields(form, (Name: "name", Value: login)));
    }

    /// <summary>Parses a page with AngleSharp.</summary>
    public Task<IHtmlDocument> GetDocumentAsync(string path) => GetDocumentAsync(Http, path);

    /// <summary>Uploads a WAV through the home page's upload form, as its plain (no-JavaScript) POST.</summary>
    public async Task<HttpResponseMessage> UploadAsync(byte[] wav, string fileName = "scream.wav", bool acceptJson = false, bool withToken = true)
    {
        var home = await GetDocumentAsync("/");
        var form = home.QuerySelector<IHtmlFormElement>("#upload-form") ?? throw new InvalidOperationException("The home page has no upload form.");
        using var content = new MultipartFormDataContent();
        if (withToken)
        {
            content.Add(new StringContent(Token(form)), "__RequestVerificationToken");
        }

        var file = new ByteArrayContent(wav);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        content.Add(file, "audio", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, form.GetAttribute("action")) { Content = content };
        if (acceptJson)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Uploads and returns the new scream's id from the redirect to its result page.</summary>
    public async Task<Guid> UploadAcceptedAsync(byte[] wav)
    {
        using var response = await UploadAsync(wav);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/screams/", location, StringComparison.Ordinal);
        return Guid.Parse(location["/screams/".Length..]);
    }

    /// <summary>GET /api/screams/{id} as JSON.</summary>
    public async Task<JsonElement> GetScreamAsync(Guid id)
    {
        using var response = await Http.GetAsync($"/api/screams/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Polls the JSON API until the scream is no longer pending.</summary>
    public async Task<JsonElement> WaitUntilScoredAsync(Guid id, TimeSpan? timeout = null)
    {
        JsonElement scream = default;
        await Wait.UntilAsync(
            () =>
            {
                scream = GetScreamAsync(id).GetAwaiter().GetResult();
                return scream.GetProperty("status").GetString() != "pending";
            },
            $"scream {id} is scored",
            timeout ?? TimeSpan.FromSeconds(60));
        Assert.Equal("scored", scream.GetProperty("status").GetString());
        return scream;
    }

    /// <summary>Posts a page's form (by CSS selector) with its antiforgery token.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string path, string formSelector, params (string Name, string Value)[] fields)
    {
        var page = await GetDocumentAsync(path);
        var form = page.QuerySelector<IHtmlFormElement>(formSelector) ?? throw new InvalidOperationException($"{path} has no form {formSelector}.");
        return await Http.PostAsync(form.GetAttribute("action"), FormFields(form, fields));
    }

    public void Dispose() => Http.Dispose();

    private static async Task<IHtmlDocument> GetDocumentAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}");
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    private static string Token(IHtmlFormElement form) =>
        form.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")?.Value
        ?? throw new InvalidOperationException("The form has no antiforgery token.");

    private static FormUrlEncodedContent FormFields(IHtmlFormElement form, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", Token(form)), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);
}
