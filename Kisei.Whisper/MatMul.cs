using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kisei.Whisper;

/// <summary>
/// C = A·Wᵀ + bias over all workers, with the weights W in 32-wide panels (<see cref="PackedMatrix"/>). The work is
/// cut into tasks of (a block of up to 256 rows of A) × (a group of panels). For many rows, an f16 panel is widened
/// once into the worker's scratch and an 8×32 register-blocked kernel streams it (16 accumulators in zmm registers,
/// one broadcast of A and two loads of W per step); for the decoder's few rows the f16 panel is widened in
/// registers on the fly, so the weights are read once at half the bandwidth.
/// </summary>
internal sealed unsafe class MatMul : IParallelWork, IDisposable
{
    private const int Width = PackedMatrix.PanelWidth;
    private const int RowBlock = 256;
    private const int SmallRows = 4;
    private const int MinimumTaskMultiplyAdds = 1 << 15;

    /// <summary>Products smaller than this run on the calling thread alone.</summary>
    private const long MinimumParallelMultiplyAdds = 1 << 18;

    private readonly WorkerPool _pool;
    private readonly AlignedBuffer<float>[] _scratch;
    private readonly int _maxColumns;

    private float* _a;
    private int _lda;
    private int _m;
    private int _k;
    private int _n;
    private float* _c;
    private int _ldc;
    private float* _bias;
    private PackedMatrix _weights = null!;
    private int _panels;
    private int _panelGroup;
    private int _panelGroups;
    private int _rowBlock;

    public MatMul(WorkerPool pool, int maxColumns)
    {
        _pool = pool;
        _maxColumns = maxColumns;
        _scratch = new AlignedBuffer<float>[pool.ThreadCount];
        for (var i = 0; i < _scratch.Length; i++)
        {
            _scratch[i] = new AlignedBuffer<float>((long)maxColumns * Width);
        }
    }

    /// <summary>C[m×n] = A[m×k]·Wᵀ + bias, where W is n×k; rows of A are <paramref name="lda"/> apart, rows of C <paramref name="ldc"/>.</summary>
    public void Multiply(float* a, int lda, int m, PackedMatrix weights, float* bias, float* c, int ldc)
    {
        if (weights.Columns > _maxColumns)
        {
            throw new ArgumentException($"The matrix has {weights.Columns} inputs; this multiplier was sized for {_maxColumns}.", nameof(weights));
        }

        _weights = weights;
        Start(a, lda, m, weights.Columns, weights.Rows, bias, c, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int index, int worker)
    {
        var rowBlockIndex = index / _panelGroups;
        var group = index - (rowBlockIndex * _panelGroups);
        var row0 = rowBlockIndex * _rowBlock;
        var rows = Math.Min(_rowBlock, _m - row0);
        var firstPanel = group * _panelGroup;
        var lastPanel = Math.Min(_panels, firstPanel + _panelGroup);
        var a = _a + ((long)row0 * _lda);
        var c = _c + ((long)row0 * _ldc);
        var tile = stackalloc float[SmallRows * Width];
        for (var p = firstPanel; p < lastPanel; p++)
        {
            var n0 = p * Width;
            var cols = Math.Min(Width, _n - n0);
            var bias = _bias == null ? null : _bias + n0;
            if (_weights.IsHalf)
            {
                var panel = _weights.HalfPanel(p);
                if (rows == 1 && Vector512.IsHardwareAccelerated)
                {
                    HalfKernel1(a, panel, _k, c + n0, bias, cols, tile);
                    continue;
                }

                if (rows == 1 && Vector256.IsHardwareAccelerated)
                {
                    HalfKernel1Narrow(a, panel, _k, c + n0, bias, cols, tile);
                    continue;
                }

                if (rows <= SmallRows && Vector512.IsHardwareAccelerated)
                {
                    HalfKernel(a, _lda, rows, panel, _k, c + n0, _ldc, bias, cols, tile);
                    continue;
                }

                var scratch = _scratch[worker].Pointer;
                HalfConversion.ToSingle(panel, scratch, _k * Width);
                SingleKernel(a, _lda, rows, scratch, _k, c + n0, _ldc, bias, cols);
            }
            else
            {
                SingleKernel(a, _lda, rows, _weights.SinglePanel(p), _k, c + n0, _ldc, bias, cols);
            }
        }
    }

    public void Dispose()
    {
        foreach (var buffer in _scratch)
        {
            buffer.Dispose();
        }
    }

    private void Start(float* a, int lda, int m, int k, int n, float* bias, float* c, int ldc)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }

        _a = a;
        _lda = lda;
        _m = m;
        _k = k;
        _n = n;
        _c = c;
        _ldc = ldc;
        _bias = bias;
        _panels = (n + Width - 1) / Width;
        _rowBlock = m <= SmallRows ? m : RowBlock;
        var rowBlocks = (m + _rowBlock - 1) / _rowBlock;
        var panelWork = (long)Math.Min(m, _rowBlock) * k * Width;
        // Enough tasks to balance the workers (about four each per row block), few enough that claiming them is cheap.
        var balanced = (_panels + (4 * _pool.ThreadCount) - 1) / (4 * _pool.ThreadCount);
        _panelGroup = (int)Math.Max(balanced, Math.Min(MinimumTaskMultiplyAdds / Math.Max(1, panelWork), _panels));
        _panelGroups = (_panels + _panelGroup - 1) / _panelGroup;
        _pool.Run(this, rowBlocks * _panelGroups, parallel: (long)m * k * n >= MinimumParallelMultiplyAdds);
    }

    /// <summary>rows × 32 outputs from an f32 panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SingleKernel(float* a, int lda, int rows, float* b, int k, float* c, int ldc, float* bias, int cols)
    {
        // The kernels' spill tile lives here: a stackalloc inside them would put a call after their loops.
        var tile = stackalloc float[8 * Width];
        if (!Vector512.IsHardwareAccelerated)
        {
            for (var r = 0; r < rows; r += 2)
            {
                var count = Math.Min(2, rows - r);
                if (Vector256.IsHardwareAccelerated)
                {
                    Kernel2(a + ((long)r * lda), lda, count, b, k, c + ((long)r * ldc), ldc, bias, cols, tile);
                }
                else
                {
                    for (var i = r; i < r + count; i++)
                    {
                        PortableRow(a + ((long)i * lda), b, k, c + ((long)i * ldc), bias, cols);
                    }
                }
            }

            return;
        }

        var r0 = 0;
        for (; r0 + 8 <= rows; r0 += 8)
        {
            Kernel8(a + ((long)r0 * lda), lda, b, k, c + ((long)r0 * ldc), ldc, bias, cols, tile);
        }

        for (; r0 < rows; r0 += 4)
        {
            var count = Math.Min(4, rows - r0);
            Kernel4(a + ((long)r0 * lda), lda, count, b, k, c + ((long)r0 * ldc), ldc, bias, cols, tile);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8(float* a, int lda, float* b, int k, float* c, int ldc, float* bias, int cols, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        var a0 = a;
        var a1 = a0 + lda;
        var a2 = a1 + lda;
        var a3 = a2 + lda;
        var a4 = a3 + lda;
        var a5 = a4 + lda;
        var a6 = a5 + lda;
        var a7 = a6 + lda;
        for (var i = 0; i < k; i++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            b += Width;
            var x = Vector512.Create(a0[i]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[i]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[i]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[i]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[i]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[i]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[i]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[i]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }

        // Only intrinsics from here on: a call while the accumulators are live makes the JIT keep them on the stack.
        var full = cols == Width;
        var o = full ? c : tile;
        var stride = full ? ldc : Width;
        var withBias = bias != null && full;
        var bias0 = withBias ? Vector512.Load(bias) : Vector512<float>.Zero;
        var bias1 = withBias ? Vector512.Load(bias + 16) : Vector512<float>.Zero;
        (c00 + bias0).Store(o);
        (c01 + bias1).Store(o + 16);
        (c10 + bias0).Store(o + stride);
        (c11 + bias1).Store(o + stride + 16);
        (c20 + bias0).Store(o + (2 * stride));
        (c21 + bias1).Store(o + (2 * stride) + 16);
        (c30 + bias0).Store(o + (3 * stride));
        (c31 + bias1).Store(o + (3 * stride) + 16);
        (c40 + bias0).Store(o + (4 * stride));
        (c41 + bias1).Store(o + (4 * stride) + 16);
        (c50 + bias0).Store(o + (5 * stride));
        (c51 + bias1).Store(o + (5 * stride) + 16);
        (c60 + bias0).Store(o + (6 * stride));
        (c61 + bias1).Store(o + (6 * stride) + 16);
        (c70 + bias0).Store(o + (7 * stride));
        (c71 + bias1).Store(o + (7 * stride) + 16);
        if (!full)
        {
            CopyTile(tile, 8, c, ldc, bias, cols);
        }
    }

    /// <summary>
    /// Up to 2 rows × 32 outputs with 256-bit vectors, for processors without AVX-512: AVX2 has 16 vector registers,
    /// which hold 8 accumulators, a panel row and a broadcast.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel2(float* a, int lda, int rows, float* b, int k, float* c, int ldc, float* bias, int cols, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        var a0 = a;
        var a1 = rows > 1 ? a + lda : a;
        for (var i = 0; i < k; i++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var b2 = Vector256.Load(b + 16);
            var b3 = Vector256.Load(b + 24);
            b += Width;
            var x = Vector256.Create(a0[i]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            c02 = Vector256.FusedMultiplyAdd(x, b2, c02);
            c03 = Vector256.FusedMultiplyAdd(x, b3, c03);
            x = Vector256.Create(a1[i]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            c12 = Vector256.FusedMultiplyAdd(x, b2, c12);
            c13 = Vector256.FusedMultiplyAdd(x, b3, c13);
        }

        c00.Store(tile);
        c01.Store(tile + 8);
        c02.Store(tile + 16);
        c03.Store(tile + 24);
        c10.Store(tile + Width);
        c11.Store(tile + Width + 8);
        c12.Store(tile + Width + 16);
        c13.Store(tile + Width + 24);
        CopyTile(tile, rows, c, ldc, bias, cols);
    }

    /// <summary>Up to 4 rows; missing rows repeat row 0 and are not stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4(float* a, int lda, int rows, float* b, int k, float* c, int ldc, float* bias, int cols, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        var a0 = a;
        var a1 = rows > 1 ? a + lda : a;
        var a2 = rows > 2 ? a + (2 * lda) : a;
        var a3 = rows > 3 ? a + (3 * lda) : a;
        for (var i = 0; i < k; i++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            b += Width;
            var x = Vector512.Create(a0[i]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[i]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[i]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[i]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
        }

        StoreTile4(tile, c00, c01, c10, c11, c20, c21, c30, c31);
        CopyTile(tile, rows, c, ldc, bias, cols);
    }

    /// <summary>One row against an f16 panel widened in registers: the decoder's per-token product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HalfKernel1(float* a, ushort* b, int k, float* c, float* bias, int cols, float* tile)
    {
        // Two steps per iteration into separate sums, so that consecutive FMAs do not wait on each other.
        Vector512<float> s0 = default, s1 = default, t0 = default, t1 = default;
        var i = 0;
        for (; i + 2 <= k; i += 2)
        {
            var raw0 = Vector512.Load(b);
            var raw1 = Vector512.Load(b + Width);
            b += 2 * Width;
            var x0 = Vector512.Create(a[i]);
            var x1 = Vector512.Create(a[i + 1]);
            s0 = Vector512.FusedMultiplyAdd(x0, HalfConversion.ToSingle(Vector512.WidenLower(raw0)), s0);
            s1 = Vector512.FusedMultiplyAdd(x0, HalfConversion.ToSingle(Vector512.WidenUpper(raw0)), s1);
            t0 = Vector512.FusedMultiplyAdd(x1, HalfConversion.ToSingle(Vector512.WidenLower(raw1)), t0);
            t1 = Vector512.FusedMultiplyAdd(x1, HalfConversion.ToSingle(Vector512.WidenUpper(raw1)), t1);
        }

        if (i < k)
        {
            var raw = Vector512.Load(b);
            var x = Vector512.Create(a[i]);
            s0 = Vector512.FusedMultiplyAdd(x, HalfConversion.ToSingle(Vector512.WidenLower(raw)), s0);
            s1 = Vector512.FusedMultiplyAdd(x, HalfConversion.ToSingle(Vector512.WidenUpper(raw)), s1);
        }

        (s0 + t0).Store(tile);
        (s1 + t1).Store(tile + 16);
        CopyTile(tile, 1, c, 0, bias, cols);
    }

    /// <summary>One row against an f16 panel with 256-bit vectors, for processors without AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HalfKernel1Narrow(float* a, ushort* b, int k, float* c, float* bias, int cols, float* tile)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (var i = 0; i < k; i++)
        {
            var raw0 = Vector256.Load(b);
            var raw1 = Vector256.Load(b + 16);
            b += Width;
            var x = Vector256.Create(a[i]);
            s0 = Vector256.FusedMultiplyAdd(x, HalfConversion.ToSingle(Vector256.WidenLower(raw0)), s0);
            s1 = Vector256.FusedMultiplyAdd(x, HalfConversion.ToSingle(Vector256.WidenUpper(raw0)), s1);
            s2 = Vector256.FusedMultiplyAdd(x, HalfConversion.ToSingle(Vector256.WidenLower(raw1)), s2);
            s3 = Vector256.FusedMultiplyAdd(x, HalfConversion.ToSingle(Vector256.WidenUpper(raw1)), s3);
        }

        s0.Store(tile);
        s1.Store(tile + 8);
        s2.Store(tile + 16);
        s3.Store(tile + 24);
        CopyTile(tile, 1, c, 0, bias, cols);
    }

    /// <summary>2 to 4 rows against an f16 panel widened in registers (one row goes to <see cref="HalfKernel1"/>); missing rows repeat row 0 and are not stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HalfKernel(float* a, int lda, int rows, ushort* b, int k, float* c, int ldc, float* bias, int cols, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        var a0 = a;
        var a1 = rows > 1 ? a + lda : a;
        var a2 = rows > 2 ? a + (2 * lda) : a;
        var a3 = rows > 3 ? a + (3 * lda) : a;
        for (var i = 0; i < k; i++)
        {
            var raw = Vector512.Load(b);
            b += Width;
            var b0 = HalfConversion.ToSingle(Vector512.WidenLower(raw));
            var b1 = HalfConversion.ToSingle(Vector512.WidenUpper(raw));
            var x = Vector512.Create(a0[i]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[i]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[i]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[i]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
        }

        StoreTile4(tile, c00, c01, c10, c11, c20, c21, c30, c31);
        CopyTile(tile, rows, c, ldc, bias, cols);
    }

    /// <summary>Stores a 4-row, 32-wide block of sums (two vectors a row) into <paramref name="tile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile4(
        float* tile,
        Vector512<float> c00, Vector512<float> c01, Vector512<float> c10, Vector512<float> c11,
        Vector512<float> c20, Vector512<float> c21, Vector512<float> c30, Vector512<float> c31)
    {
        c00.Store(tile);
        c01.Store(tile + 16);
        c10.Store(tile + Width);
        c11.Store(tile + Width + 16);
        c20.Store(tile + (2 * Width));
        c21.Store(tile + (2 * Width) + 16);
        c30.Store(tile + (3 * Width));
        c31.Store(tile + (3 * Width) + 16);
    }

    /// <summary>Writes the first <paramref name="rows"/> rows and <paramref name="cols"/> columns of a 32-wide tile, plus the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyTile(float* tile, int rows, float* c, int ldc, float* bias, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            var source = tile + (r * Width);
            var target = c + ((long)r * ldc);
            if (cols == Width && Vector512.IsHardwareAccelerated)
            {
                var v0 = Vector512.Load(source);
                var v1 = Vector512.Load(source + 16);
                if (bias != null)
                {
                    v0 += Vector512.Load(bias);
                    v1 += Vector512.Load(bias + 16);
                }

                v0.Store(target);
                v1.Store(target + 16);
                continue;
            }

            for (var j = 0; j < cols; j++)
            {
                target[j] = source[j] + (bias == null ? 0 : bias[j]);
            }
        }
    }

    /// <summary>One row × 32 outputs with whatever vector width the platform has.</summary>
    private static void PortableRow(float* a, float* b, int k, float* c, float* bias, int cols)
    {
        var lanes = Vector<float>.Count;
        var vectors = Width / lanes;
        var acc = stackalloc Vector<float>[vectors];
        for (var v = 0; v < vectors; v++)
        {
            acc[v] = Vector<float>.Zero;
        }

        for (var i = 0; i < k; i++)
        {
            var x = new Vector<float>(a[i]);
            var row = b + ((long)i * Width);
            for (var v = 0; v < vectors; v++)
            {
                acc[v] += x * Unsafe.ReadUnaligned<Vector<float>>(row + (v * lanes));
            }
        }

        var sums = (float*)acc;
        for (var j = 0; j < cols; j++)
        {
            c[j] = sums[j] + (bias == null ? 0 : bias[j]);
        }
    }
}
