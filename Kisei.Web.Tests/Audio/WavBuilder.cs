using System.Buffers.Binary;
using System.Globalization;
using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Audio;

/// <summary>A sample layout for <see cref="WavBuilder"/>: encoding, container width, meaningful bits, and the format chunk used.</summary>
public sealed record WavLayout(WavEncoding Encoding, int ContainerBits, int ValidBits, bool Extensible)
{
    public static readonly WavLayout Pcm8 = new(WavEncoding.PcmInteger, 8, 8, false);
    public static readonly WavLayout Pcm16 = new(WavEncoding.PcmInteger, 16, 16, false);
    public static readonly WavLayout Pcm24 = new(WavEncoding.PcmInteger, 24, 24, false);
    public static readonly WavLayout Pcm32 = new(WavEncoding.PcmInteger, 32, 32, false);
    public static readonly WavLayout Ieee32 = new(WavEncoding.IeeeFloat, 32, 32, false);
    public static readonly WavLayout Ieee64 = new(WavEncoding.IeeeFloat, 64, 64, false);

    /// <summary>Every layout the reader accepts, including extensible ones with fewer valid bits than their container.</summary>
    public static IReadOnlyList<WavLayout> All { get; } =
    [
        Pcm8, Pcm16, Pcm24, Pcm32, Ieee32, Ieee64,
        new(WavEncoding.PcmInteger, 8, 8, true),
        new(WavEncoding.PcmInteger, 16, 16, true),
        new(WavEncoding.PcmInteger, 16, 12, true),
        new(WavEncoding.PcmInteger, 24, 20, true),
        new(WavEncoding.PcmInteger, 24, 24, true),
        new(WavEncoding.PcmInteger, 32, 24, true),
        new(WavEncoding.PcmInteger, 32, 32, true),
        new(WavEncoding.IeeeFloat, 32, 32, true),
        new(WavEncoding.IeeeFloat, 64, 64, true),
    ];

    public int BytesPerSample => ContainerBits / 8;

    /// <summary>The value the file stores for <paramref name="x"/>, as a number in [-1, 1]: what a correct reader returns.</summary>
    public double Quantise(double x)
    {
        if (Encoding == WavEncoding.IeeeFloat)
        {
            return ContainerBits == 32 ? (float)x : x;
        }

        return QuantiseToInteger(x) / Math.Pow(2, ValidBits - 1);
    }

    /// <summary>The integer in <see cref="ValidBits"/> bits, rounded and clipped.</summary>
    public long QuantiseToInteger(double x)
    {
        var fullScale = Math.Pow(2, ValidBits - 1);
        return (long)Math.Clamp(Math.Round(x * fullScale), -fullScale, fullScale - 1);
    }

    /// <summary>Half a step of the quantiser: the most a stored value may differ from the signal in [-1, 1).</summary>
    public double HalfStep => Encoding == WavEncoding.IeeeFloat ? 1e-7 : 0.5 / Math.Pow(2, ValidBits - 1);

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{(Extensible ? "extensible " : "")}{(Encoding == WavEncoding.IeeeFloat ? "float" : "int")}{ContainerBits}{(ValidBits != ContainerBits ? $"/{ValidBits}" : "")}");
}

/// <summary>Overrides that make a WAV file lie or carry extra chunks; unset values are written truthfully.</summary>
public sealed record WavWriteOptions
{
    /// <summary>Chunks (id, body) written between the RIFF header and the format chunk.</summary>
    public IReadOnlyList<(string Id, byte[] Body)> ChunksBeforeFormat { get; init; } = [];

    /// <summary>Chunks written between the format chunk and the data chunk.</summary>
    public IReadOnlyList<(string Id, byte[] Body)> ChunksBeforeData { get; init; } = [];

    /// <summary>Chunks written after the data chunk.</summary>
    public IReadOnlyList<(string Id, byte[] Body)> ChunksAfterData { get; init; } = [];

    public string FormatChunkId { get; init; } = "fmt ";

    public string DataChunkId { get; init; } = "data";

    public uint? RiffSize { get; init; }

    public uint? DataSize { get; init; }

    public uint? FormatSize { get; init; }

    public int? FormatTag { get; init; }

    public int? Channels { get; init; }

    public uint? SampleRateHz { get; init; }

    public int? BlockAlign { get; init; }

    public int? BitsPerSample { get; init; }

    public int? ValidBits { get; init; }

    /// <summary>The 16-byte extensible sub-format GUID.</summary>
    public byte[]? SubFormat { get; init; }
}

/// <summary>
/// Writes WAV files for tests in every layout <see cref="WavReader"/> accepts, and in ways it must refuse or tolerate.
/// Samples are interleaved doubles in [-1, 1]; integers are rounded and clipped, floats stored as given.
/// </summary>
public static class WavBuilder
{
    /// <summary>The offsets of the format fields in a file without chunks before the format chunk.</summary>
    public const int FormatTagOffset = 20;
    public const int ChannelsOffset = 22;
    public const int SampleRateOffset = 24;
    public const int BlockAlignOffset = 32;
    public const int BitsPerSampleOffset = 34;

    /// <summary>A 16-bit mono PCM file, the browser recorder's layout.</summary>
    public static byte[] Pcm16Mono(ReadOnlySpan<float> samples, int sampleRateHz)
    {
        var interleaved = new double[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            interleaved[i] = samples[i];
        }

        return Write(interleaved, 1, sampleRateHz, WavLayout.Pcm16);
    }

    /// <summary>Writes interleaved samples as a WAV file.</summary>
    public static byte[] Write(ReadOnlySpan<double> interleaved, int channels, int sampleRateHz, WavLayout layout, WavWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        options ??= new WavWriteOptions();
        using var stream = new MemoryStream();

        var formatBody = FormatBody(channels, sampleRateHz, layout, options);
        var sampleBytes = SampleBytes(interleaved, layout);

        stream.Write("RIFF"u8);
        WriteUInt32(stream, 0); // patched below
        stream.Write("WAVE"u8);
        foreach (var (id, body) in options.ChunksBeforeFormat)
        {
            WriteChunk(stream, id, body, (uint)body.Length);
        }

        WriteChunk(stream, options.FormatChunkId, formatBody, options.FormatSize ?? (uint)formatBody.Length);
        foreach (var (id, body) in options.ChunksBeforeData)
        {
            WriteChunk(stream, id, body, (uint)body.Length);
        }

        WriteChunk(stream, options.DataChunkId, sampleBytes, options.DataSize ?? (uint)sampleBytes.Length);
        foreach (var (id, body) in options.ChunksAfterData)
        {
            WriteChunk(stream, id, body, (uint)body.Length);
        }

        var bytes = stream.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), options.RiffSize ?? (uint)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>The KSDATAFORMAT_SUBTYPE GUID for a format tag, in file byte order.</summary>
    public static byte[] SubFormatGuid(int formatTag)
    {
        var guid = new byte[] { 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
        BinaryPrimitives.WriteUInt32LittleEndian(guid, (uint)formatTag);
        return guid;
    }

    private static byte[] FormatBody(int channels, int sampleRateHz, WavLayout layout, WavWriteOptions options)
    {
        var body = new byte[layout.Extensible ? 40 : 16];
        var span = body.AsSpan();
        var encodingTag = layout.Encoding == WavEncoding.IeeeFloat ? 3 : 1;
        var declaredChannels = options.Channels ?? channels;
        var blockAlign = options.BlockAlign ?? (channels * layout.BytesPerSample);
        var rate = options.SampleRateHz ?? (uint)sampleRateHz;
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(options.FormatTag ?? (layout.Extensible ? 0xFFFE : encodingTag)));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)declaredChannels);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], rate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], unchecked(rate * (uint)blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(span[12..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(span[14..], (ushort)(options.BitsPerSample ?? layout.ContainerBits));
        if (layout.Extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 22);
            BinaryPrimitives.WriteUInt16LittleEndian(span[18..], (ushort)(options.ValidBits ?? layout.ValidBits));
            BinaryPrimitives.WriteUInt32LittleEndian(span[20..], channels == 2 ? 3u : 0u);
            (options.SubFormat ?? SubFormatGuid(encodingTag)).CopyTo(span[24..]);
        }

        return body;
    }

    private static byte[] SampleBytes(ReadOnlySpan<double> interleaved, WavLayout layout)
    {
        var width = layout.BytesPerSample;
        var bytes = new byte[interleaved.Length * width];
        for (var i = 0; i < interleaved.Length; i++)
        {
            var target = bytes.AsSpan(i * width, width);
            if (layout.Encoding == WavEncoding.IeeeFloat)
            {
                if (width == 4)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(target, (float)interleaved[i]);
                }
                else
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(target, interleaved[i]);
                }

                continue;
            }

            // Integers narrower than their container are left-justified, as WAVE_FORMAT_EXTENSIBLE requires.
            var value = layout.QuantiseToInteger(interleaved[i]) << (layout.ContainerBits - layout.ValidBits);
            if (width == 1)
            {
                target[0] = (byte)(value + 128);
                continue;
            }

            for (var b = 0; b < width; b++)
            {
                target[b] = (byte)(value >> (8 * b));
            }
        }

        return bytes;
    }

    private static void WriteChunk(Stream stream, string id, byte[] body, uint declaredSize)
    {
        stream.Write(System.Text.Encoding.ASCII.GetBytes(id));
        WriteUInt32(stream, declaredSize);
        stream.Write(body);
        if (body.Length % 2 == 1)
        {
            stream.WriteByte(0);
        }
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        stream.Write(buffer);
    }
}
