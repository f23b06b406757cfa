namespace Kisei.Web.Audio;

/// <summary>Why <see cref="WavReader"/> refused a file: one value per cause, so callers and tests can tell them apart.</summary>
public enum WavError
{
    /// <summary>The bytes do not start with "RIFF" (RIFX, RF64 and non-WAV files land here).</summary>
    NotRiff = 1,

    /// <summary>A RIFF file whose form type is not "WAVE".</summary>
    NotWave,

    /// <summary>The file ends before the format and data chunk headers are complete.</summary>
    TruncatedHeader,

    /// <summary>No "fmt " chunk before the end of the file.</summary>
    MissingFormatChunk,

    /// <summary>A "fmt " chunk too short for the fields its format tag needs.</summary>
    InvalidFormatChunk,

    /// <summary>No "data" chunk, and the chunks before the end of the file are all intact.</summary>
    MissingDataChunk,

    /// <summary>A format tag or extensible sub-format other than PCM integer or IEEE float.</summary>
    UnsupportedEncoding,

    /// <summary>A sample width other than 8/16/24/32-bit integer or 32/64-bit float.</summary>
    UnsupportedBitDepth,

    /// <summary>The format chunk declares zero channels.</summary>
    ZeroChannels,

    /// <summary>More channels than <see cref="WavReader.MaxChannels"/>.</summary>
    TooManyChannels,

    /// <summary>A sample rate outside <see cref="WavReader.MinSampleRateHz"/>–<see cref="WavReader.MaxSampleRateHz"/>.</summary>
    SampleRateOutOfRange,

    /// <summary>The block align is not channels × bytes per sample.</summary>
    BlockAlignMismatch,

    /// <summary>The data chunk holds no whole frame.</summary>
    NoAudio,

    /// <summary>Float samples that are NaN, infinite, or beyond the range of a 32-bit float.</summary>
    NonFiniteSamples,
}
