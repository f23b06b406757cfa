namespace Kisei.Web.Tests.Pages;

/// <summary>The localization tests' own rule, so that it can be seen to catch what it must.</summary>
public sealed class LanguageCheckTests
{
    [Theory]
    [InlineData("ja", "WAV ファイルとして読めません: The file does not start with \"RIFF\"", "The file does not start")]
    [InlineData("ja", "マイクを使えません: Permission denied by system", "Permission denied by system")]
    [InlineData("en", "Not a WAV file: 先頭が RIFF ではありません", "先頭が")]
    public void A_sentence_in_the_other_language_is_caught(string language, string text, string expected) =>
        Assert.StartsWith(expected, LanguageCheck.WrongLanguage(language, text), StringComparison.Ordinal);

    [Theory]
    [InlineData("ja", "Kisei 専用の PostgreSQL（組み込み）· Whisper · 奇声 Kisei")]
    [InlineData("ja", "点数 = X × Y = 0.812 × 97.5")]
    [InlineData("en", "Rank 1 of 3 this month · “—” means you have no scored scream")]
    public void Names_and_formulas_are_not_sentences(string language, string text) =>
        Assert.Null(LanguageCheck.WrongLanguage(language, text));
}
