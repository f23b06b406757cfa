namespace Kisei.Web.Audio;

/// <summary>A decoded WAV file: its header and its samples mixed down to mono in [-1, 1].</summary>
/// <param name="header">The parsed header.</param>
/// <param name="mono">One sample per frame: the mean of the channels, scaled to [-1, 1].</param>
public sealed class WavAudio(WavHeader header, float[] mono)
{
    public WavHeader Header { get; } = header;

    public WavFormat Format => Header.Format;

    public int SampleRateHz => Header.Format.SampleRateHz;

    public int Channels => Header.Format.Channels;

    public long Frames => Header.Frames;

    public double DurationSeconds => Header.DurationSeconds;

    /// <summary>Integer or float, as declared.</summary>
    public WavEncoding Encoding => Header.Format.Encoding;

    /// <summary>The declared meaningful bits per sample.</summary>
    public int BitsPerSample => Header.Format.BitsPerSample;

    /// <summary>True when the data chunk declared more bytes than the file holds and was cut to whole frames.</summary>
    public bool IsDataClamped => Header.IsDataClamped;

    /// <summary>Channels mixed down as their mean, scaled to [-1, 1] (floats as stored).</summary>
    public float[] Mono { get; } = mono;
}
