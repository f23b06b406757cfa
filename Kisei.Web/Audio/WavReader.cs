using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;

namespace Kisei.Web.Audio;

/// <summary>
/// Reads RIFF/WAVE bytes (docs/design.md §2): PCM 8/16/24/32-bit integer, IEEE float 32/64-bit and
/// WAVE_FORMAT_EXTENSIBLE with either, any channel count up to <see cref="MaxChannels"/>, 8–192 kHz.
/// Every refusal is a <see cref="WavFormatException"/>; no input makes it throw anything else.
/// </summary>
/// <remarks>
/// <para>
/// This is the guard in front of NAudio, which decodes the samples (<see cref="WavSampleDecoder"/>): NAudio
/// accepts zero channels, absurd rates and lying sizes without a word, and refuses other files with exceptions
/// that do not say which field was wrong. Here every cause has its own <see cref="WavError"/>, a stable code
/// the upload turns into a 4xx with a message.
/// </para>
/// <para>
/// Lengths are checked against the real end of the bytes, never trusted:
/// <list type="bullet">
/// <item>The RIFF size is not used. Chunks are read to the real end of the bytes, so a RIFF size that is
/// too small, too large, or a streaming placeholder (0 or 0xFFFFFFFF) is tolerated as long as the chunks parse.</item>
/// <item>A data chunk that declares more bytes than remain (including 0xFFFFFFFF) is clamped to the whole
/// frames that are there, and <see cref="WavHeader.IsDataClamped"/> says so.</item>
/// <item>A data chunk of size 0 in a file whose RIFF size is also a streaming placeholder takes the rest of
/// the bytes: that is how writers that cannot seek back mark an unknown length.</item>
/// <item>The byte rate and the extensible channel mask are not checked: nothing here depends on them.</item>
/// </list>
/// Chunks after an odd-sized chunk start after its pad byte, as RIFF requires.
/// </para>
/// </remarks>
public static class WavReader
{
    public const int MinSampleRateHz = 8_000;
    public const int MaxSampleRateHz = 192_000;

    /// <summary>A cap well above any microphone or surround layout; more is a damaged header, not audio.</summary>
    public const int MaxChannels = 32;

    public const int FormatTagPcm = 0x0001;
    public const int FormatTagIeeeFloat = 0x0003;
    public const int FormatTagExtensible = 0xFFFE;

    /// <summary>RIFF header, "fmt " chunk of 16 bytes and the "data" chunk header: the smallest complete header.</summary>
    private const int CanonicalHeaderBytes = 44;
    private const int RiffHeaderBytes = 12;
    private const int ChunkHeaderBytes = 8;
    private const int BasicFormatBytes = 16;
    private const int ExtensibleFormatBytes = 40;
    private const uint StreamingSize = 0xFFFFFFFF;

    /// <summary>Bytes 4–15 of the KSDATAFORMAT_SUBTYPE_* GUIDs; bytes 0–3 hold the format tag.</summary>
    private static ReadOnlySpan<byte> SubFormatGuidTail => [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Parses the header and decodes the samples to mono in [-1, 1].</summary>
    /// <exception cref="WavFormatException">The bytes are not an accepted WAV file.</exception>
    public static WavAudio Read(ReadOnlySpan<byte> bytes)
    {
        var header = ReadHeader(bytes);

        // ReadHeader bounds Frames × BlockAlign by the byte count, so both fit in an int.
        var mono = GC.AllocateUninitializedArray<float>((int)header.Frames);
        Decode(bytes, header, mono);
        return new WavAudio(header, mono);
    }

    /// <summary>
    /// Decodes the whole frames <paramref name="header"/> (from <see cref="ReadHeader"/> on the same bytes) located
    /// into <paramref name="mono"/>, one sample per frame, for a caller that brings its own buffer.
    /// </summary>
    /// <exception cref="WavFormatException">Float samples that are not finite.</exception>
    public static void Decode(ReadOnlySpan<byte> bytes, WavHeader header, Span<float> mono)
    {
        var frames = (int)header.Frames;
        WavSampleDecoder.DecodeMono(bytes.Slice(header.DataOffset, frames * header.Format.BlockAlign), header.Format, mono[..frames]);
        if (header.Format.Encoding == WavEncoding.IeeeFloat)
        {
            ThrowUnlessFinite(mono[..frames]);
        }
    }

    /// <summary>
    /// Refuses what <see cref="Read"/> refuses, without keeping the samples: the header, and for float data
    /// that every sample is finite, decoded a block at a time. Nothing as large as the audio is allocated, so
    /// an upload can be checked before it is stored at no more than the cost of reading it.
    /// </summary>
    /// <exception cref="WavFormatException">The bytes are not an accepted WAV file.</exception>
    public static WavHeader Check(ReadOnlySpan<byte> bytes)
    {
        var header = ReadHeader(bytes);
        var format = header.Format;
        if (format.Encoding != WavEncoding.IeeeFloat)
        {
            return header; // every bit pattern of an integer sample is a sample
        }

        const int BlockFrames = 2_048;
        Span<float> block = stackalloc float[BlockFrames];
        var data = bytes.Slice(header.DataOffset, (int)header.Frames * format.BlockAlign);
        for (var offset = 0; offset < data.Length; offset += BlockFrames * format.BlockAlign)
        {
            var chunk = data.Slice(offset, Math.Min(BlockFrames * format.BlockAlign, data.Length - offset));
            var frames = chunk.Length / format.BlockAlign;
            WavSampleDecoder.DecodeMono(chunk, format, block[..frames]);
            ThrowUnlessFinite(block[..frames]);
        }

        return header;
    }

    private static void ThrowUnlessFinite(ReadOnlySpan<float> mono)
    {
        if (!float.IsFinite(TensorPrimitives.MaxMagnitude(mono)))
        {
            throw new WavFormatException(
                WavError.NonFiniteSamples,
                "The float samples include NaN, infinity, or values beyond the range of a 32-bit float.");
        }
    }

    /// <summary>Parses the header and locates the whole frames without decoding them.</summary>
    /// <exception cref="WavFormatException">The bytes are not an accepted WAV file.</exception>
    public static WavHeader ReadHeader(ReadOnlySpan<byte> bytes)
    {
        // 1. The RIFF header: "RIFF", a size we do not rely on, "WAVE".
        CheckRiffSignature(bytes);
        if (bytes.Length < RiffHeaderBytes)
        {
            throw TruncatedHeader(bytes.Length);
        }

        if (!bytes.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new WavFormatException(
                WavError.NotWave,
                $"The file is a RIFF container of type \"{FourCc(bytes.Slice(8, 4))}\", not a WAVE file.");
        }

        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        var riffSizeIsPlaceholder = riffSize is 0 or StreamingSize;

        // 2. Walk the chunks to the real end of the bytes, remembering the first "fmt " and "data".
        var chunks = FindChunks(bytes, riffSizeIsPlaceholder);

        // 3. The format chunk.
        if (chunks.FormatOffset < 0)
        {
            if (chunks.EndedInsideChunk || chunks.ChunkCount == 0)
            {
                throw chunks.EndedInsideChunk && bytes.Length >= CanonicalHeaderBytes
                    ? new WavFormatException(WavError.TruncatedHeader, $"The file ends inside the WAV header: {chunks.EndDescription}, before any format chunk.")
                    : TruncatedHeader(bytes.Length);
            }

            throw new WavFormatException(WavError.MissingFormatChunk, "The WAV file has no format (\"fmt \") chunk.");
        }

        var format = ParseFormat(bytes, chunks);

        // 4. The data chunk: whole frames only, clamped to what is really there.
        if (chunks.DataOffset < 0)
        {
            if (chunks.EndedInsideChunk)
            {
                throw new WavFormatException(
                    WavError.TruncatedHeader,
                    $"The file ends inside the WAV header: {chunks.EndDescription}, before any data chunk.");
            }

            throw new WavFormatException(WavError.MissingDataChunk, "The WAV file has a format chunk but no data chunk.");
        }

        var availableDataBytes = bytes.Length - chunks.DataOffset;
        var usableDataBytes = Math.Min(chunks.DataDeclaredBytes, availableDataBytes);
        var frames = usableDataBytes / format.BlockAlign;
        if (frames == 0)
        {
            throw new WavFormatException(
                WavError.NoAudio,
                usableDataBytes == 0
                    ? "The WAV file's data chunk is empty: there is no audio."
                    : string.Create(CultureInfo.InvariantCulture, $"The WAV file's data chunk holds {usableDataBytes} bytes, less than one frame of {format.BlockAlign} bytes: there is no audio."));
        }

        return new WavHeader(
            format,
            chunks.DataOffset,
            frames,
            chunks.DataDeclaredBytes,
            IsDataClamped: chunks.DataDeclaredBytes > availableDataBytes);
    }

    private static void CheckRiffSignature(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new WavFormatException(WavError.TruncatedHeader, "The file is empty (0 of 44 bytes of a WAV header).");
        }

        var prefixLength = Math.Min(4, bytes.Length);
        if (bytes[..prefixLength].SequenceEqual("RIFF"u8[..prefixLength]))
        {
            return;
        }

        var message = bytes.Length >= 4 && bytes[..4].SequenceEqual("RIFX"u8)
            ? "The file is a big-endian RIFX file; only little-endian RIFF WAV files are accepted."
            : bytes.Length >= 4 && bytes[..4].SequenceEqual("RF64"u8)
                ? "The file is an RF64 (64-bit) WAV file; only RIFF WAV files are accepted."
                : "The file does not start with \"RIFF\": it is not a WAV file.";
        throw new WavFormatException(WavError.NotRiff, message);
    }

    private static WavFormatException TruncatedHeader(int length) => new(
        WavError.TruncatedHeader,
        string.Create(CultureInfo.InvariantCulture, $"The file ends inside the WAV header ({length} of {CanonicalHeaderBytes} bytes)."));

    private static ChunkMap FindChunks(ReadOnlySpan<byte> bytes, bool riffSizeIsPlaceholder)
    {
        var map = new ChunkMap();

        // Positions are longs: a chunk size is up to 2^32 − 1, so position + size cannot overflow.
        long position = RiffHeaderBytes;
        while (position < bytes.Length)
        {
            var remaining = bytes.Length - position;
            if (remaining < ChunkHeaderBytes)
            {
                map.EndedInsideChunk = true;
                map.EndDescription = string.Create(CultureInfo.InvariantCulture, $"only {remaining} bytes of a chunk header remain at byte {position}");
                break;
            }

            var at = (int)position;
            var id = bytes.Slice(at, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(at + 4, 4));
            var body = at + ChunkHeaderBytes;
            long available = bytes.Length - body;
            map.ChunkCount++;

            if (map.FormatOffset < 0 && id.SequenceEqual("fmt "u8))
            {
                map.FormatOffset = body;
                map.FormatDeclaredBytes = size;
                map.FormatAvailableBytes = (int)Math.Min(size, available);
            }
            else if (map.DataOffset < 0 && id.SequenceEqual("data"u8))
            {
                map.DataOffset = body;
                map.DataDeclaredBytes = size == 0 && riffSizeIsPlaceholder ? StreamingSize : size;
                if (map.DataDeclaredBytes > available)
                {
                    // The data runs to the end (clamped later): there is nothing after it to find.
                    break;
                }
            }

            if (map.FormatOffset >= 0 && map.DataOffset >= 0)
            {
                break;
            }

            if (size > available)
            {
                map.EndedInsideChunk = true;
                map.EndDescription = string.Create(
                    CultureInfo.InvariantCulture,
                    $"the \"{FourCc(id)}\" chunk at byte {position} declares {size} bytes but only {available} remain");
                break;
            }

            position = body + size + (size & 1);
        }

        return map;
    }

    private static WavFormat ParseFormat(ReadOnlySpan<byte> bytes, ChunkMap chunks)
    {
        if (chunks.FormatDeclaredBytes < BasicFormatBytes)
        {
            throw new WavFormatException(
                WavError.InvalidFormatChunk,
                string.Create(CultureInfo.InvariantCulture, $"The WAV format chunk is {chunks.FormatDeclaredBytes} bytes long; it needs at least {BasicFormatBytes}."));
        }

        if (chunks.FormatAvailableBytes < BasicFormatBytes)
        {
            throw new WavFormatException(
                WavError.TruncatedHeader,
                string.Create(CultureInfo.InvariantCulture, $"The file ends inside the WAV format chunk ({chunks.FormatAvailableBytes} of {BasicFormatBytes} bytes)."));
        }

        var fmt = bytes.Slice(chunks.FormatOffset, chunks.FormatAvailableBytes);
        int formatTag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var sampleRateHz = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bitsPerSample = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        var validBits = bitsPerSample;

        // 1. The encoding, looking through WAVE_FORMAT_EXTENSIBLE to its sub-format.
        var encodingTag = formatTag;
        if (formatTag == FormatTagExtensible)
        {
            if (chunks.FormatDeclaredBytes < ExtensibleFormatBytes)
            {
                throw new WavFormatException(
                    WavError.InvalidFormatChunk,
                    string.Create(CultureInfo.InvariantCulture, $"The WAV format chunk is WAVE_FORMAT_EXTENSIBLE but only {chunks.FormatDeclaredBytes} bytes long; it needs {ExtensibleFormatBytes}."));
            }

            if (fmt.Length < ExtensibleFormatBytes)
            {
                throw new WavFormatException(
                    WavError.TruncatedHeader,
                    string.Create(CultureInfo.InvariantCulture, $"The file ends inside the WAV format chunk ({fmt.Length} of {ExtensibleFormatBytes} bytes)."));
            }

            var subFormat = fmt.Slice(24, 16);
            var subFormatTag = BinaryPrimitives.ReadUInt32LittleEndian(subFormat);
            if (!subFormat[4..].SequenceEqual(SubFormatGuidTail) || subFormatTag is not (FormatTagPcm or FormatTagIeeeFloat))
            {
                throw new WavFormatException(
                    WavError.UnsupportedEncoding,
                    $"The WAV file is WAVE_FORMAT_EXTENSIBLE with sub-format {new Guid(subFormat)}; only the PCM and IEEE float sub-formats are accepted.");
            }

            encodingTag = (int)subFormatTag;
            int declaredValidBits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]);

            // Some writers leave "valid bits" at 0; it then means the whole container.
            validBits = declaredValidBits == 0 ? bitsPerSample : declaredValidBits;
        }

        if (encodingTag is not (FormatTagPcm or FormatTagIeeeFloat))
        {
            throw new WavFormatException(
                WavError.UnsupportedEncoding,
                string.Create(CultureInfo.InvariantCulture, $"The WAV encoding is format tag 0x{encodingTag:X4} ({FormatTagName(encodingTag)}); only PCM integer (1), IEEE float (3) and WAVE_FORMAT_EXTENSIBLE with either are accepted."));
        }

        var encoding = encodingTag == FormatTagPcm ? WavEncoding.PcmInteger : WavEncoding.IeeeFloat;

        // 2. Channels and rate.
        if (channels == 0)
        {
            throw new WavFormatException(WavError.ZeroChannels, "The WAV file declares zero channels.");
        }

        if (channels > MaxChannels)
        {
            throw new WavFormatException(
                WavError.TooManyChannels,
                string.Create(CultureInfo.InvariantCulture, $"The WAV file declares {channels} channels; at most {MaxChannels} are accepted."));
        }

        if (sampleRateHz is < MinSampleRateHz or > MaxSampleRateHz)
        {
            throw new WavFormatException(
                WavError.SampleRateOutOfRange,
                string.Create(CultureInfo.InvariantCulture, $"The WAV sample rate is {sampleRateHz} Hz; it must be between {MinSampleRateHz} and {MaxSampleRateHz} Hz."));
        }

        // 3. Sample width. Integer samples narrower than their container are left-justified, so scaling by
        //    the container's full scale is right whatever the valid bits are.
        var containerBits = (bitsPerSample + 7) / 8 * 8;
        var widthAccepted = encoding == WavEncoding.PcmInteger
            ? containerBits is 8 or 16 or 24 or 32 && validBits >= 1 && validBits <= containerBits
            : bitsPerSample is 32 or 64 && validBits == bitsPerSample;
        if (!widthAccepted)
        {
            var declared = validBits == bitsPerSample
                ? string.Create(CultureInfo.InvariantCulture, $"{bitsPerSample}-bit")
                : string.Create(CultureInfo.InvariantCulture, $"{validBits} valid bits in {bitsPerSample}-bit containers");
            throw new WavFormatException(
                WavError.UnsupportedBitDepth,
                encoding == WavEncoding.PcmInteger
                    ? $"The WAV file has {declared} integer samples; only 8, 16, 24 and 32-bit integers are accepted."
                    : $"The WAV file has {declared} float samples; only 32 and 64-bit floats are accepted.");
        }

        // 4. Block align, which the data layout depends on.
        var expectedBlockAlign = channels * (containerBits / 8);
        if (blockAlign != expectedBlockAlign)
        {
            throw new WavFormatException(
                WavError.BlockAlignMismatch,
                string.Create(CultureInfo.InvariantCulture, $"The WAV block align is {blockAlign} bytes, but {channels} channels of {containerBits}-bit samples need {expectedBlockAlign}."));
        }

        return new WavFormat(formatTag, encoding, channels, (int)sampleRateHz, validBits, containerBits, blockAlign);
    }

    private static string FormatTagName(int tag) => tag switch
    {
        0x0000 => "unknown",
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "µ-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG Layer 3",
        0x00FF => "AAC",
        0x2000 => "AC-3",
        0xF1AC => "FLAC",
        _ => "not a PCM or float format",
    };

    private static string FourCc(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[4];
        for (var i = 0; i < 4; i++)
        {
            chars[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        }

        return new string(chars);
    }

    private sealed class ChunkMap
    {
        public int ChunkCount { get; set; }

        public int FormatOffset { get; set; } = -1;

        public long FormatDeclaredBytes { get; set; }

        public int FormatAvailableBytes { get; set; }

        public int DataOffset { get; set; } = -1;

        public long DataDeclaredBytes { get; set; }

        public bool EndedInsideChunk { get; set; }

        public string EndDescription { get; set; } = "";
    }
}
