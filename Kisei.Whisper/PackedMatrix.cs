using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kisei.Whisper;

/// <summary>
/// A weight matrix of <see cref="Rows"/> outputs by <see cref="Columns"/> inputs, stored in panels of
/// <see cref="PanelWidth"/> outputs: panel p holds, for each input k, the 32 weights of outputs 32p..32p+31
/// side by side. The matrix-multiply kernels then read one panel as a straight stream and broadcast the input.
/// f16 weights stay f16 (half the memory and bandwidth; widened in registers or per panel); quantized weights
/// are dequantized to f16 at load, f32 weights stay f32. Outputs past <see cref="Rows"/> in the last panel are zero.
/// </summary>
internal sealed unsafe class PackedMatrix : IDisposable
{
    public const int PanelWidth = 32;

    private readonly AlignedBuffer<ushort>? _half;
    private readonly AlignedBuffer<float>? _single;

    private PackedMatrix(int rows, int columns, bool isHalf)
    {
        Rows = rows;
        Columns = columns;
        Panels = (rows + PanelWidth - 1) / PanelWidth;
        var length = (long)Panels * PanelWidth * columns;
        if (isHalf)
        {
            _half = new AlignedBuffer<ushort>(length);
        }
        else
        {
            _single = new AlignedBuffer<float>(length);
        }
    }

    /// <summary>Outputs (n).</summary>
    public int Rows { get; }

    /// <summary>Inputs (k).</summary>
    public int Columns { get; }

    public int Panels { get; }

    /// <summary>Whether the panels hold f16 bits (else f32).</summary>
    public bool IsHalf => _half is not null;

    public long ByteCount => _half?.ByteCount ?? _single!.ByteCount;

    /// <summary>Panel <paramref name="panel"/> as f16 bits, <see cref="Columns"/> × 32.</summary>
    public ushort* HalfPanel(int panel) => _half!.Pointer + ((long)panel * Columns * PanelWidth);

    /// <summary>Panel <paramref name="panel"/> as f32, <see cref="Columns"/> × 32.</summary>
    public float* SinglePanel(int panel) => _single!.Pointer + ((long)panel * Columns * PanelWidth);

    /// <summary>
    /// Packs a tensor whose last dimension counts the outputs and whose other dimensions, flattened, are the
    /// inputs: a linear layer's [n_in, n_out] or a convolution's [kernel, n_in, n_out].
    /// </summary>
    public static PackedMatrix FromTensor(GgmlTensor tensor)
    {
        var matrix = Allocate(tensor);
        try
        {
            if (tensor.Data.Length != StoredRowBytes(tensor, matrix.Rows) * matrix.Rows)
            {
                throw new ArgumentException($"The tensor '{tensor.Name}' holds {tensor.Data.Length} bytes, not its shape's {StoredRowBytes(tensor, matrix.Rows) * matrix.Rows}.", nameof(tensor));
            }

            matrix.SetRows(0, tensor.Type, tensor.Data.Span);
            return matrix;
        }
        catch
        {
            matrix.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Packs a tensor as <see cref="FromTensor"/> does, reading its bytes from the file through
    /// <paramref name="buffer"/> a few rows at a time (a longer buffer is rented when one row does not fit).
    /// </summary>
    /// <exception cref="EndOfStreamException">The file ends within the tensor.</exception>
    public static PackedMatrix Read(GgmlTensor tensor, GgmlTensorData data, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(buffer);
        var matrix = Allocate(tensor);
        try
        {
            var rowBytes = StoredRowBytes(tensor, matrix.Rows);
            if (buffer.Length < rowBytes)
            {
                buffer = new byte[rowBytes];
            }

            var rowsPerRead = (int)(buffer.Length / rowBytes);
            for (var row = 0; row < matrix.Rows; row += rowsPerRead)
            {
                var chunk = buffer.AsSpan(0, (int)(Math.Min(rowsPerRead, matrix.Rows - row) * rowBytes));
                data.Read(chunk);
                matrix.SetRows(row, tensor.Type, chunk);
            }

            return matrix;
        }
        catch
        {
            matrix.Dispose();
            throw;
        }
    }

    /// <summary>Reads the weights of output <paramref name="row"/> (an embedding lookup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReadRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Columns);
        var lane = row % PanelWidth;
        if (IsHalf)
        {
            var panel = HalfPanel(row / PanelWidth);
            for (var k = 0; k < Columns; k++)
            {
                destination[k] = (float)BitConverter.UInt16BitsToHalf(panel[(k * PanelWidth) + lane]);
            }
        }
        else
        {
            var panel = SinglePanel(row / PanelWidth);
            for (var k = 0; k < Columns; k++)
            {
                destination[k] = panel[(k * PanelWidth) + lane];
            }
        }
    }

    public void Dispose()
    {
        _half?.Dispose();
        _single?.Dispose();
    }

    private static PackedMatrix Allocate(GgmlTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var rows = tensor.Dimensions[^1];
        var columns = checked((int)((long)tensor.RowLength * tensor.RowCount / rows));
        return new PackedMatrix(rows, columns, tensor.Type != GgmlType.F32);
    }

    /// <summary>Bytes of one output in the file: whole stored rows, as quantized tensors are always 2-D.</summary>
    private static long StoredRowBytes(GgmlTensor tensor, int rows) => (long)tensor.RowBytes * tensor.RowCount / rows;

    /// <summary>Packs whole stored outputs from <paramref name="firstRow"/> on, as many as <paramref name="data"/> holds.</summary>
    private void SetRows(int firstRow, GgmlType type, ReadOnlySpan<byte> data)
    {
        switch (type)
        {
            case GgmlType.F32:
            {
                var source = MemoryMarshal.Cast<byte, float>(data);
                for (var r = 0; r < source.Length / Columns; r++)
                {
                    SetRow(firstRow + r, source.Slice(r * Columns, Columns));
                }

                break;
            }

            case GgmlType.F16:
            {
                var source = MemoryMarshal.Cast<byte, ushort>(data);
                for (var r = 0; r < source.Length / Columns; r++)
                {
                    SetRow(firstRow + r, source.Slice(r * Columns, Columns));
                }

                break;
            }

            default:
            {
                // Quantized weights are dequantized to f16, one stored row (one output) at a time.
                var rowBytes = (int)GgmlTypes.RowBytes(type, Columns);
                var decoded = new float[Columns];
                var bits = new ushort[Columns];
                for (var r = 0; r < data.Length / rowBytes; r++)
                {
                    GgmlTypes.DequantizeRow(type, data.Slice(r * rowBytes, rowBytes), decoded);
                    for (var k = 0; k < Columns; k++)
                    {
                        bits[k] = BitConverter.HalfToUInt16Bits((Half)decoded[k]);
                    }

                    SetRow(firstRow + r, bits);
                }

                break;
            }
        }
    }

    private void SetRow(int row, ReadOnlySpan<float> values)
    {
        var panel = SinglePanel(row / PanelWidth);
        var lane = row % PanelWidth;
        for (var k = 0; k < values.Length; k++)
        {
            panel[(k * PanelWidth) + lane] = values[k];
        }
    }

    private void SetRow(int row, ReadOnlySpan<ushort> bits)
    {
        var panel = HalfPanel(row / PanelWidth);
        var lane = row % PanelWidth;
        for (var k = 0; k < bits.Length; k++)
        {
            panel[(k * PanelWidth) + lane] = bits[k];
        }
    }
}
