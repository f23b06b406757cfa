namespace Kisei.Web.Accounts;

/// <summary>
/// The one check for a URL to send a browser back to after sign-in or an action. Every redirect
/// that takes a URL from the request goes through here, so a crafted one can only lead home.
/// </summary>
public static class ReturnUrls
{
    /// <summary>
    /// <paramref name="url"/> when it is a path on this site; otherwise null. A path starts with one
    /// <c>/</c> (not <c>//</c> or <c>/\</c>, which browsers read as another host) and holds no control
    /// character: browsers drop tabs and line breaks, so <c>/\t/evil.example</c> would leave the
    /// site, and ASP.NET Core's <c>LocalRedirect</c> throws on them.
    /// </summary>
    public static string? Local(string? url)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/')
        {
            return null;
        }

        if (url.Length > 1 && url[1] is '/' or '\\')
        {
            return null;
        }

        return url.AsSpan().ContainsAnyInRange('\0', '\x1f') || url.AsSpan().ContainsAnyInRange('\x7f', '\x9f') ? null : url;
    }

    /// <summary>The local URL to return to, or the home page.</summary>
    public static string LocalOrHome(string? url) => Local(url) ?? "/";
}
