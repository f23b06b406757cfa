namespace Kisei.Web.Audio;

/// <summary>How the samples of a WAV file are stored.</summary>
public enum WavEncoding
{
    /// <summary>Signed integers (unsigned, centred at 128, for 8-bit), WAVE_FORMAT_PCM.</summary>
    PcmInteger = 1,

    /// <summary>IEEE 754 floats, WAVE_FORMAT_IEEE_FLOAT.</summary>
    IeeeFloat = 3,
}

/// <summary>The accepted layout of a WAV file's samples, as its format chunk declares it.</summary>
/// <param name="FormatTag">The raw format tag: 1 (PCM), 3 (IEEE float) or 0xFFFE (extensible).</param>
/// <param name="Encoding">Integer or float, after resolving an extensible sub-format.</param>
/// <param name="Channels">Interleaved channels per frame.</param>
/// <param name="SampleRateHz">Frames per second.</param>
/// <param name="BitsPerSample">The meaningful bits of each sample (the extensible "valid bits").</param>
/// <param name="ContainerBitsPerSample">The bits each sample occupies: 8, 16, 24, 32 or 64.</param>
/// <param name="BlockAlign">Bytes per frame: channels × container bytes.</param>
public readonly record struct WavFormat(
    int FormatTag,
    WavEncoding Encoding,
    int Channels,
    int SampleRateHz,
    int BitsPerSample,
    int ContainerBitsPerSample,
    int BlockAlign)
{
    /// <summary>True when the file used WAVE_FORMAT_EXTENSIBLE.</summary>
    public bool IsExtensible => FormatTag == WavReader.FormatTagExtensible;

    /// <summary>Bytes each sample occupies.</summary>
    public int BytesPerSample => ContainerBitsPerSample / 8;
}

/// <summary>What <see cref="WavReader.ReadHeader"/> learns without decoding: the format and where the whole frames are.</summary>
/// <param name="Format">The sample layout.</param>
/// <param name="DataOffset">The offset of the first sample byte.</param>
/// <param name="Frames">Whole frames present in the file (after clamping).</param>
/// <param name="DeclaredDataBytes">The data chunk's declared size, which may exceed what is there.</param>
/// <param name="IsDataClamped">True when the data chunk declared more bytes than the file holds.</param>
public readonly record struct WavHeader(
    WavFormat Format,
    int DataOffset,
    long Frames,
    long DeclaredDataBytes,
    bool IsDataClamped)
{
    /// <summary>Frames ÷ sample rate.</summary>
    public double DurationSeconds => (double)Frames / Format.SampleRateHz;
}
