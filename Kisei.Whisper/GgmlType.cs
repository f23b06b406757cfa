using System.Buffers.Binary;

namespace Kisei.Whisper;

/// <summary>The tensor element types of ggml that Whisper model files use; the values are ggml's type ids.</summary>
public enum GgmlType
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
}

/// <summary>
/// Sizes and dequantization of ggml's element types. Quantized types pack 32 consecutive elements of a row
/// into one block with an f16 scale (and, for the _1 types, an f16 minimum); block layouts from ggml-common.h.
/// </summary>
public static class GgmlTypes
{
    /// <summary>Elements per block of every quantized type.</summary>
    public const int QuantBlockLength = 32;

    /// <summary>Whether the engine reads tensors of this type id.</summary>
    public static bool IsSupported(int typeId) => typeId is 0 or 1 or 2 or 3 or 6 or 7 or 8;

    /// <summary>Elements per storage block: 1 for f32 and f16, 32 for the quantized types.</summary>
    public static int BlockLength(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 ? 1 : QuantBlockLength;

    /// <summary>Bytes per storage block.</summary>
    public static int BlockBytes(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 => 2,
        GgmlType.Q4_0 => 2 + 16,
        GgmlType.Q4_1 => 2 + 2 + 16,
        GgmlType.Q5_0 => 2 + 4 + 16,
        GgmlType.Q5_1 => 2 + 2 + 4 + 16,
        GgmlType.Q8_0 => 2 + 32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unsupported ggml type."),
    };

    /// <summary>Bytes taken by a row of <paramref name="length"/> elements, or -1 when the length does not fill whole blocks.</summary>
    public static long RowBytes(GgmlType type, long length)
    {
        var block = BlockLength(type);
        return length % block == 0 ? length / block * BlockBytes(type) : -1;
    }

    /// <summary>Decodes one row of <paramref name="destination"/>.Length elements stored as <paramref name="type"/>.</summary>
    public static void DequantizeRow(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        var bytes = RowBytes(type, destination.Length);
        if (bytes < 0 || source.Length < bytes)
        {
            throw new ArgumentException($"A {type} row of {destination.Length} elements needs {bytes} bytes; got {source.Length}.", nameof(source));
        }

        DequantizeRowCore(type, source, destination);
    }

    private static void DequantizeRowCore(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case GgmlType.F32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }

                return;
            case GgmlType.F16:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                }

                return;
        }

        var blockBytes = BlockBytes(type);
        for (var b = 0; b < destination.Length / QuantBlockLength; b++)
        {
            var block = source.Slice(b * blockBytes, blockBytes);
            var output = destination.Slice(b * QuantBlockLength, QuantBlockLength);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            switch (type)
            {
                case GgmlType.Q4_0:
                    // Low nibbles hold elements 0..15, high nibbles 16..31, each offset by 8.
                    for (var j = 0; j < 16; j++)
                    {
                        output[j] = ((block[2 + j] & 0x0F) - 8) * d;
                        output[j + 16] = ((block[2 + j] >> 4) - 8) * d;
                    }

                    break;
                case GgmlType.Q4_1:
                {
                    var m = (float)BinaryPrimitives.ReadHalfLittleEndian(block[2..]);
                    for (var j = 0; j < 16; j++)
                    {
                        output[j] = ((block[4 + j] & 0x0F) * d) + m;
                        output[j + 16] = ((block[4 + j] >> 4) * d) + m;
                    }

                    break;
                }

                case GgmlType.Q5_0:
                {
                    // Bit j of qh is the fifth bit of element j; the values are offset by 16.
                    var qh = BinaryPrimitives.ReadUInt32LittleEndian(block[2..]);
                    for (var j = 0; j < 16; j++)
                    {
                        var high0 = (int)((qh >> j) << 4) & 0x10;
                        var high1 = (int)(qh >> (j + 12)) & 0x10;
                        output[j] = (((block[6 + j] & 0x0F) | high0) - 16) * d;
                        output[j + 16] = (((block[6 + j] >> 4) | high1) - 16) * d;
                    }

                    break;
                }

                case GgmlType.Q5_1:
                {
                    var m = (float)BinaryPrimitives.ReadHalfLittleEndian(block[2..]);
                    var qh = BinaryPrimitives.ReadUInt32LittleEndian(block[4..]);
                    for (var j = 0; j < 16; j++)
                    {
                        var high0 = (int)((qh >> j) << 4) & 0x10;
                        var high1 = (int)(qh >> (j + 12)) & 0x10;
                        output[j] = (((block[8 + j] & 0x0F) | high0) * d) + m;
                        output[j + 16] = (((block[8 + j] >> 4) | high1) * d) + m;
                    }

                    break;
                }

                case GgmlType.Q8_0:
                    for (var j = 0; j < 32; j++)
                    {
                        output[j] = (sbyte)block[2 + j] * d;
                    }

                    break;
            }
        }
    }
}
