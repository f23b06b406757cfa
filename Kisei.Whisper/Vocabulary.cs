using System.Text;

namespace Kisei.Whisper;

/// <summary>
/// Whisper's tokens: the bytes of each text token from the model file, and the special tokens that follow the
/// text tokens. The special ids are derived from the vocabulary size as whisper.cpp does: the .en layout
/// (51864) has end-of-text at 50256; multilingual models move end-of-text and start-of-transcript up by one and
/// insert one language token per language, so every later special token moves by (languages − 98).
/// </summary>
public sealed class Vocabulary
{
    /// <summary>Whisper's language codes in token order: the language token of code i is start-of-transcript + 1 + i.</summary>
    public static readonly IReadOnlyList<string> LanguageCodes =
    [
        "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi", "fi", "vi",
        "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk",
        "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
        "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo",
        "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue",
    ];

    /// <summary>The smallest vocabulary that has Whisper's special tokens (the .en models).</summary>
    public const int EnglishOnlySize = 51864;

    private readonly byte[] _bytes;
    private readonly int[] _offsets;

    /// <summary>Builds a vocabulary of <paramref name="size"/> tokens, of which the first <paramref name="textTokens"/>.Count carry bytes.</summary>
    public Vocabulary(int size, IReadOnlyList<byte[]> textTokens)
    {
        ArgumentNullException.ThrowIfNull(textTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, EnglishOnlySize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(textTokens.Count, size);

        Size = size;
        _offsets = new int[textTokens.Count + 1];
        var total = 0L;
        for (var i = 0; i < textTokens.Count; i++)
        {
            total += textTokens[i].Length;
            _offsets[i + 1] = checked((int)total);
        }

        _bytes = new byte[total];
        for (var i = 0; i < textTokens.Count; i++)
        {
            textTokens[i].CopyTo(_bytes, _offsets[i]);
        }

        IsMultilingual = size > EnglishOnlySize;
        LanguageCount = size - 51765 - (IsMultilingual ? 1 : 0);
        var shift = IsMultilingual ? LanguageCount - 98 : 0;
        EndOfText = IsMultilingual ? 50257 : 50256;
        StartOfTranscript = EndOfText + 1;
        Translate = 50357 + shift;
        Transcribe = 50358 + shift;
        StartOfLm = 50359 + shift;
        Previous = 50360 + shift;
        NoSpeech = 50361 + shift;
        NoTimestamps = 50362 + shift;
        TimestampBegin = 50363 + shift;

        // whisper.cpp looks the blank up in a map from text to id, where a later duplicate wins.
        for (var i = 0; i < TextTokenCount; i++)
        {
            if (TokenBytes(i) is [(byte)' '])
            {
                Blank = i;
            }
        }
    }

    /// <summary>n_vocab: the number of logits.</summary>
    public int Size { get; }

    /// <summary>Tokens that carry bytes in the file (the rest are special).</summary>
    public int TextTokenCount => _offsets.Length - 1;

    public bool IsMultilingual { get; }

    /// <summary>Language tokens after start-of-transcript (99 for most multilingual models, 100 for large-v3).</summary>
    public int LanguageCount { get; }

    public int EndOfText { get; }

    public int StartOfTranscript { get; }

    public int Translate { get; }

    public int Transcribe { get; }

    /// <summary>Start of LM (speaker turn in tinydiarize models).</summary>
    public int StartOfLm { get; }

    /// <summary>Start of previous-text context.</summary>
    public int Previous { get; }

    /// <summary>The no-speech token, whose probability at the start-of-transcript position says "nobody is talking".</summary>
    public int NoSpeech { get; }

    public int NoTimestamps { get; }

    /// <summary>The first timestamp token (0.00 s); every id from here to the end is a timestamp.</summary>
    public int TimestampBegin { get; }

    /// <summary>The token whose text is a single space, suppressed on the first step; null if the vocabulary has none.</summary>
    public int? Blank { get; }

    /// <summary>Whether <paramref name="token"/> is end-of-text or anything after it (special, language or timestamp tokens).</summary>
    public bool IsSpecial(int token) => token >= EndOfText;

    /// <summary>The bytes of a text token; empty for special tokens and ids beyond the file's vocabulary.</summary>
    public ReadOnlySpan<byte> TokenBytes(int token) =>
        (uint)token < (uint)TextTokenCount ? _bytes.AsSpan(_offsets[token], _offsets[token + 1] - _offsets[token]) : [];

    /// <summary>The language token for a code such as "ja", if this vocabulary has it.</summary>
    public bool TryGetLanguageToken(string code, out int token)
    {
        var index = -1;
        for (var i = 0; i < LanguageCodes.Count; i++)
        {
            if (string.Equals(LanguageCodes[i], code, StringComparison.OrdinalIgnoreCase))
            {
                index = i;
                break;
            }
        }

        token = index >= 0 && index < LanguageCount ? StartOfTranscript + 1 + index : -1;
        return token >= 0 && IsMultilingual;
    }

    /// <summary>
    /// The text of <paramref name="tokens"/>: the bytes of the text tokens concatenated (special tokens add
    /// nothing, as in whisper.cpp), decoded as UTF-8 with invalid sequences replaced by U+FFFD.
    /// </summary>
    public string Decode(ReadOnlySpan<int> tokens)
    {
        var length = 0;
        foreach (var token in tokens)
        {
            length += TextOf(token).Length;
        }

        var buffer = new byte[length];
        var position = 0;
        foreach (var token in tokens)
        {
            var bytes = TextOf(token);
            bytes.CopyTo(buffer.AsSpan(position));
            position += bytes.Length;
        }

        return Encoding.UTF8.GetString(buffer);
    }

    private ReadOnlySpan<byte> TextOf(int token) => IsSpecial(token) ? [] : TokenBytes(token);
}
