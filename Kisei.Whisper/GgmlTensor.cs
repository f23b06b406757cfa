namespace Kisei.Whisper;

/// <summary>
/// One tensor of a ggml file: its name, element type, dimensions in ggml order (ne[0] is the contiguous one, so a
/// weight matrix of n_out rows of n_in is [n_in, n_out]) and its raw little-endian bytes.
/// </summary>
public sealed class GgmlTensor(string name, GgmlType type, int[] dimensions, ReadOnlyMemory<byte> data)
{
    public string Name { get; } = name;

    public GgmlType Type { get; } = type;

    /// <summary>ne[0], ne[1], ...: the first dimension is contiguous.</summary>
    public IReadOnlyList<int> Dimensions { get; } = dimensions;

    /// <summary>The stored bytes, exactly as in the file.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>Elements in one row (ne[0]).</summary>
    public int RowLength => Dimensions[0];

    /// <summary>Rows: the product of the dimensions after the first.</summary>
    public int RowCount
    {
        get
        {
            var rows = 1;
            for (var i = 1; i < Dimensions.Count; i++)
            {
                rows *= Dimensions[i];
            }

            return rows;
        }
    }

    /// <summary>Bytes of one stored row.</summary>
    public int RowBytes => (int)GgmlTypes.RowBytes(Type, RowLength);

    /// <summary>Decodes row <paramref name="row"/> into <paramref name="destination"/> (length <see cref="RowLength"/>).</summary>
    public void DequantizeRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        if (destination.Length != RowLength)
        {
            throw new ArgumentException($"The destination must hold {RowLength} elements.", nameof(destination));
        }

        GgmlTypes.DequantizeRow(Type, Data.Span.Slice(row * RowBytes, RowBytes), destination);
    }

    /// <summary>All elements decoded to f32, row after row.</summary>
    public float[] ToSingles()
    {
        var result = new float[(long)RowLength * RowCount];
        for (var row = 0; row < RowCount; row++)
        {
            DequantizeRow(row, result.AsSpan(row * RowLength, RowLength));
        }

        return result;
    }
}
