using System.Text.RegularExpressions;

namespace Kisei.Web.Tests.Pages;

/// <summary>
/// Whether a user-facing string is in the page's language: a Japanese page holds no English sentence
/// (four or more Latin words in a row), an English page no Japanese (kana or kanji). Commands and names
/// set in &lt;code&gt; or marked with another lang are left out by the callers.
/// </summary>
public static partial class LanguageCheck
{
    [GeneratedRegex(@"[A-Za-z]+(?:['’][A-Za-z]+)?(?:[ ,;:]+[A-Za-z]+(?:['’][A-Za-z]+)?){3,}")]
    private static partial Regex EnglishSentence();

    [GeneratedRegex(@"[\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}]+")]
    private static partial Regex Japanese();

    /// <summary>The first piece of <paramref name="text"/> in the wrong language for <paramref name="language"/> ("ja" or "en"), or null.</summary>
    public static string? WrongLanguage(string language, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = language == "ja" ? EnglishSentence().Match(text) : Japanese().Match(text);
        return match.Success ? match.Value : null;
    }
}
