using System.Buffers.Binary;
using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

public sealed class GgmlTypesTests
{
    public static TheoryData<GgmlType> QuantizedTypes() => [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0];

    [Theory]
    [MemberData(nameof(QuantizedTypes))]
    public void Dequantizing_random_blocks_matches_a_plain_reading_of_the_block_layout(GgmlType type)
    {
        var random = new Random(7);
        var blockBytes = GgmlTypes.BlockBytes(type);
        var bytes = new byte[blockBytes * 4];
        random.NextBytes(bytes);
        for (var b = 0; b < 4; b++)
        {
            // Keep the f16 scale and minimum finite.
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(b * blockBytes), (Half)(random.NextDouble() - 0.5));
            if (type is GgmlType.Q4_1 or GgmlType.Q5_1)
            {
                BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan((b * blockBytes) + 2), (Half)(random.NextDouble() - 0.5));
            }
        }

        var actual = new float[128];
        GgmlTypes.DequantizeRow(type, bytes, actual);

        for (var b = 0; b < 4; b++)
        {
            var block = bytes.AsSpan(b * blockBytes, blockBytes);
            for (var i = 0; i < 32; i++)
            {
                Assert.Equal(Reference(type, block.ToArray(), i), actual[(b * 32) + i]);
            }
        }
    }

    [Fact]
    public void A_known_q8_0_block_decodes_to_its_scaled_integers()
    {
        var block = new byte[34];
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)0.5f);
        block[2] = 4;
        block[3] = unchecked((byte)-6);
        var values = new float[32];

        GgmlTypes.DequantizeRow(GgmlType.Q8_0, block, values);

        Assert.Equal(2f, values[0]);
        Assert.Equal(-3f, values[1]);
        Assert.Equal(0f, values[2]);
    }

    [Fact]
    public void Quantized_blocks_written_by_the_test_model_writer_read_back_close_to_the_original()
    {
        var random = new Random(3);
        var original = Enumerable.Range(0, 32).Select(_ => (float)(random.NextDouble() * 2) - 1).ToArray();
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q5_1, GgmlType.Q4_0 })
        {
            var decoded = new float[32];
            GgmlTypes.DequantizeRow(type, SyntheticWhisperModel.Quantize(type, original), decoded);
            var step = type == GgmlType.Q8_0 ? 1f / 127 : type == GgmlType.Q5_1 ? 2f / 31 : 1f / 8;
            for (var i = 0; i < 32; i++)
            {
                Assert.InRange(decoded[i] - original[i], -step, step);
            }
        }
    }

    [Fact]
    public void A_row_that_does_not_fill_whole_blocks_is_refused()
    {
        Assert.Throws<ArgumentException>(() => GgmlTypes.DequantizeRow(GgmlType.Q8_0, new byte[34], new float[31]));
        Assert.Throws<ArgumentException>(() => GgmlTypes.DequantizeRow(GgmlType.Q4_0, new byte[17], new float[32]));
    }

    /// <summary>Element i of a block, read straight from ggml-common.h's struct layouts.</summary>
    private static float Reference(GgmlType type, byte[] block, int i)
    {
        var d = (float)BitConverter.UInt16BitsToHalf((ushort)(block[0] | (block[1] << 8)));
        var m = (float)BitConverter.UInt16BitsToHalf((ushort)(block[2] | (block[3] << 8)));
        int Nibble(int offset) => i < 16 ? block[offset + i] & 0x0F : block[offset + i - 16] >> 4;
        int FifthBit(int offset) => (int)((BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(offset)) >> i) & 1);
        return type switch
        {
            GgmlType.Q4_0 => (Nibble(2) - 8) * d,
            GgmlType.Q4_1 => (Nibble(4) * d) + m,
            GgmlType.Q5_0 => ((Nibble(6) | (FifthBit(2) << 4)) - 16) * d,
            GgmlType.Q5_1 => ((Nibble(8) | (FifthBit(4) << 4)) * d) + m,
            GgmlType.Q8_0 => (sbyte)block[2 + i] * d,
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }
}
