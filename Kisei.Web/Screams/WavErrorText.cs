using Kisei.Web.Audio;

namespace Kisei.Web.Screams;

/// <summary>
/// The reader's words for each <see cref="WavError"/>: the resource key (Japanese, the default language;
/// <c>Resources/SharedResource.en.resx</c> holds the English). The WAV reader's own exception messages
/// are for logs and the command line, not for players.
/// </summary>
public static class WavErrorText
{
    /// <summary>The resource key that says what was wrong with the file.</summary>
    public static string Key(WavError error) => error switch
    {
        WavError.NotRiff => "先頭が RIFF ではありません。WAV 形式で保存した録音を送ってください。",
        WavError.NotWave => "RIFF ファイルですが WAVE ではありません。WAV 形式で保存した録音を送ってください。",
        WavError.TruncatedHeader => "WAV ファイルが途中で切れています（ヘッダーが足りません）。",
        WavError.MissingFormatChunk => "WAV ファイルに形式の情報（fmt チャンク）がありません。",
        WavError.InvalidFormatChunk => "WAV ファイルの形式の情報（fmt チャンク）が短すぎます。",
        WavError.MissingDataChunk => "WAV ファイルに音声データ（data チャンク）がありません。",
        WavError.UnsupportedEncoding => "この WAV の符号化には対応していません。PCM か浮動小数点の WAV を送ってください。",
        WavError.UnsupportedBitDepth => "このビット数には対応していません。8・16・24・32 ビット整数か 32・64 ビット浮動小数点の WAV を送ってください。",
        WavError.ZeroChannels => "WAV ファイルのチャンネル数が 0 です。",
        WavError.TooManyChannels => "WAV ファイルのチャンネルが多すぎます。",
        WavError.SampleRateOutOfRange => "サンプリング周波数が範囲外です（8〜192 kHz に対応）。",
        WavError.BlockAlignMismatch => "WAV ファイルのブロックサイズがチャンネル数とビット数に合いません。",
        WavError.NoAudio => "WAV ファイルに音声が入っていません。",
        WavError.NonFiniteSamples => "WAV ファイルに数ではないサンプル（NaN や無限大）があります。",
        _ => "形式を確かめられませんでした。",
    };
}
