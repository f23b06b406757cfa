using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kisei.Web.Speech.Whisper;

/// <summary>The element-wise and row-wise steps between the matrix products, on raw rows.</summary>
internal static unsafe class TensorOps
{
    /// <summary>Whisper's layer norm epsilon.</summary>
    public const float NormEpsilon = 1e-5f;

    private static readonly float[] GeluTable = BuildGeluTable();

    /// <summary>
    /// dst = (x − mean)/sqrt(var + eps)·scale + shift for each row, in ggml_norm's order: the mean and variance
    /// summed in double, the normalized row scaled, then multiplied and shifted as separate roundings.
    /// </summary>
    public static void LayerNorm(float* x, int rows, int columns, NormWeights weights, float* destination)
    {
        var scale = weights.Scale.Pointer;
        var shift = weights.Shift.Pointer;
        for (var r = 0; r < rows; r++)
        {
            var input = x + ((long)r * columns);
            var output = destination + ((long)r * columns);
            var sum = 0.0;
            for (var i = 0; i < columns; i++)
            {
                sum += input[i];
            }

            var mean = (float)(sum / columns);
            var squares = 0.0;
            for (var i = 0; i < columns; i++)
            {
                var centered = input[i] - mean;
                output[i] = centered;
                squares += centered * centered;
            }

            var inverse = 1.0f / MathF.Sqrt((float)(squares / columns) + NormEpsilon);
            var i0 = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var s = Vector512.Create(inverse);
                for (; i0 + 16 <= columns; i0 += 16)
                {
                    var v = Vector512.Load(output + i0) * s;
                    v *= Vector512.Load(scale + i0);
                    (v + Vector512.Load(shift + i0)).Store(output + i0);
                }
            }

            for (; i0 < columns; i0++)
            {
                var v = output[i0] * inverse;
                v *= scale[i0];
                output[i0] = v + shift[i0];
            }
        }
    }

    /// <summary>
    /// ggml's GELU: the tanh approximation, looked up in a table indexed by the input rounded to f16 (ggml's
    /// GGML_GELU_FP16), with inputs at or beyond ±10 passed through as 0 or x.
    /// </summary>
    public static void Gelu(float* values, long count)
    {
        long i = 0;
        fixed (float* table = GeluTable)
        {
            if (Vector512.IsHardwareAccelerated && Avx2.IsSupported)
            {
                var low = Vector512.Create(-10f);
                var high = Vector512.Create(10f);
                for (; i + 16 <= count; i += 16)
                {
                    var x = Vector512.Load(values + i);
                    var index = HalfConversion.ToHalf(x).AsInt32();
                    var looked = Vector512.Create(
                        Avx2.GatherVector256(table, index.GetLower(), 4),
                        Avx2.GatherVector256(table, index.GetUpper(), 4));
                    var result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, high), x, looked);
                    result = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, low), Vector512<float>.Zero, result);
                    result.Store(values + i);
                }
            }

            for (; i < count; i++)
            {
                values[i] = GeluScalar(values[i], table);
            }
        }
    }

    /// <summary>destination[i] += source[i].</summary>
    public static void Add(float* destination, float* source, long count)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                (Vector512.Load(destination + i) + Vector512.Load(source + i)).Store(destination + i);
            }
        }

        for (; i < count; i++)
        {
            destination[i] += source[i];
        }
    }

    /// <summary>values[i] *= factor.</summary>
    public static void Scale(float* values, long count, float factor)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var f = Vector512.Create(factor);
            for (; i + 16 <= count; i += 16)
            {
                (Vector512.Load(values + i) * f).Store(values + i);
            }
        }

        for (; i < count; i++)
        {
            values[i] *= factor;
        }
    }

    /// <summary>values[i] = exp(scale·values[i] − max) / Σ, in place over <paramref name="count"/> scores.</summary>
    public static void Softmax(float* values, int count, float scale)
    {
        var row = new Span<float>(values, count);
        TensorPrimitives.Multiply(row, scale, row);
        TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
        TensorPrimitives.Exp(row, row);
        TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Sum(row), row);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float GeluScalar(float x, float* table)
    {
        if (x <= -10f)
        {
            return 0f;
        }

        return x >= 10f ? x : table[BitConverter.HalfToUInt16Bits((Half)x)];
    }

    private static float[] BuildGeluTable()
    {
        const float sqrtTwoOverPi = 0.79788456080286535587989211986876f;
        const float coefficient = 0.044715f;
        var table = new float[1 << 16];
        for (var bits = 0; bits < table.Length; bits++)
        {
            var x = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            var y = 0.5f * x * (1.0f + MathF.Tanh(sqrtTwoOverPi * x * (1.0f + (coefficient * x * x))));
            table[bits] = (float)(Half)y;
        }

        return table;
    }
}
