using System.Text;
using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

public sealed class VocabularyTests
{
    private static Vocabulary Make(int size) =>
        new(size, [.. Enumerable.Range(0, 256).Select(i => new[] { (byte)i })]);

    [Fact]
    public void Multilingual_special_tokens_follow_the_one_extra_language_layout()
    {
        var vocabulary = Make(51865);

        Assert.True(vocabulary.IsMultilingual);
        Assert.Equal(99, vocabulary.LanguageCount);
        Assert.Equal(50257, vocabulary.EndOfText);
        Assert.Equal(50258, vocabulary.StartOfTranscript);
        Assert.Equal(50358, vocabulary.Translate);
        Assert.Equal(50359, vocabulary.Transcribe);
        Assert.Equal(50360, vocabulary.StartOfLm);
        Assert.Equal(50361, vocabulary.Previous);
        Assert.Equal(50362, vocabulary.NoSpeech);
        Assert.Equal(50363, vocabulary.NoTimestamps);
        Assert.Equal(50364, vocabulary.TimestampBegin);
        Assert.True(vocabulary.TryGetLanguageToken("ja", out var ja));
        Assert.Equal(50266, ja);
        Assert.True(vocabulary.TryGetLanguageToken("en", out var en));
        Assert.Equal(50259, en);
    }

    [Fact]
    public void English_only_models_keep_the_gpt2_special_tokens_and_have_no_language_tokens()
    {
        var vocabulary = Make(51864);

        Assert.False(vocabulary.IsMultilingual);
        Assert.Equal(50256, vocabulary.EndOfText);
        Assert.Equal(50257, vocabulary.StartOfTranscript);
        Assert.Equal(50358, vocabulary.Transcribe);
        Assert.Equal(50361, vocabulary.NoSpeech);
        Assert.Equal(50362, vocabulary.NoTimestamps);
        Assert.Equal(50363, vocabulary.TimestampBegin);
        Assert.False(vocabulary.TryGetLanguageToken("ja", out _));
    }

    [Fact]
    public void Large_v3_vocabularies_shift_the_task_tokens_by_the_extra_language()
    {
        var vocabulary = Make(51866);

        Assert.Equal(100, vocabulary.LanguageCount);
        Assert.Equal(50258, vocabulary.StartOfTranscript);
        Assert.Equal(50360, vocabulary.Transcribe);
        Assert.Equal(50363, vocabulary.NoSpeech);
        Assert.Equal(50364, vocabulary.NoTimestamps);
        Assert.Equal(50365, vocabulary.TimestampBegin);
        Assert.True(vocabulary.TryGetLanguageToken("yue", out var cantonese));
        Assert.Equal(50358, cantonese);
        Assert.False(Make(51865).TryGetLanguageToken("yue", out _));
    }

    [Fact]
    public void The_blank_is_the_token_whose_text_is_one_space()
    {
        Assert.Equal(32, Make(51865).Blank);
        Assert.Null(new Vocabulary(51865, [[(byte)'a']]).Blank);
    }

    [Fact]
    public void Decoding_joins_token_bytes_as_utf8_and_replaces_broken_sequences()
    {
        byte[][] tokens = [Encoding.UTF8.GetBytes("ご"), [0xE8, 0xA6], [0x96], Encoding.UTF8.GetBytes("😀"), [0xFF]];
        var vocabulary = new Vocabulary(51865, tokens);

        Assert.Equal("ご視😀", vocabulary.Decode([0, 1, 2, 3]));
        Assert.Equal("ご\uFFFD", vocabulary.Decode([0, 4]));
        Assert.Equal("ご", vocabulary.Decode([0, vocabulary.EndOfText, vocabulary.NoTimestamps]));
    }
}
