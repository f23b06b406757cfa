using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kisei.Whisper;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>Σ a[i]·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* a, float* b, int count)
    {
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= count; i += 16)
            {
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc);
            }

            sum = Vector512.Sum(acc);
        }

        for (; i < count; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>destination[i] += factor·source[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(float* source, float factor, float* destination, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var f = Vector512.Create(factor);
            for (; i + 16 <= count; i += 16)
            {
                Vector512.FusedMultiplyAdd(Vector512.Load(source + i), f, Vector512.Load(destination + i)).Store(destination + i);
            }
        }

        for (; i < count; i++)
        {
            destination[i] += factor * source[i];
        }
    }

    /// <summary>
    /// Σ a[i]·b[i] with b in finite f16 (the decoder's cache): the same sums, in the same order, as
    /// <see cref="Dot(float*, float*, int)"/> on b widened. An infinity or NaN reads as a large finite number
    /// (see <see cref="HalfConversion.FiniteToSingle(Vector512{uint})"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* a, ushort* halfB, int count)
    {
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= count; i += 16)
            {
                var b = HalfConversion.FiniteToSingle(Vector512.WidenLower(Vector256.Load(halfB + i).ToVector512()));
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), b, acc);
            }

            sum = Vector512.Sum(acc);
        }

        return i < count ? DotRemainder(a, halfB, i, count, sum) : sum;
    }

    /// <summary>
    /// destination[i] += factor·source[i] with the source in finite f16, as <see cref="MultiplyAdd(float*, float, float*, int)"/>
    /// computes it on the source widened.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(ushort* halfSource, float factor, float* destination, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var f = Vector512.Create(factor);
            for (; i + 16 <= count; i += 16)
            {
                var source = HalfConversion.FiniteToSingle(Vector512.WidenLower(Vector256.Load(halfSource + i).ToVector512()));
                Vector512.FusedMultiplyAdd(source, f, Vector512.Load(destination + i)).Store(destination + i);
            }
        }

        if (i < count)
        {
            MultiplyAddRemainder(halfSource, factor, destination, i, count);
        }
    }

    /// <summary>The first index of the largest value (NaN never wins), and that value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (int Index, float Value) ArgMax(float* values, int count)
    {
        var max = float.NegativeInfinity;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vmax = Vector512.Create(float.NegativeInfinity);
            for (; i + 16 <= count; i += 16)
            {
                var v = Vector512.Load(values + i);
                vmax = Vector512.ConditionalSelect(Vector512.GreaterThan(v, vmax), v, vmax);
            }

            for (var lane = 0; lane < 16; lane++)
            {
                max = vmax[lane] > max ? vmax[lane] : max;
            }
        }

        for (; i < count; i++)
        {
            max = values[i] > max ? values[i] : max;
        }

        for (i = 0; i < count; i++)
        {
            if (values[i] == max)
            {
                return (i, max);
            }
        }

        return (0, values[0]);
    }

    /// <summary>Σ exp(values[i] − shift), summed in double across vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfExponentials(float* values, int count, float shift)
    {
        var i = 0;
        var sum = 0.0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vshift = Vector512.Create(shift);
            for (; i + 16 <= count; i += 16)
            {
                sum += Vector512.Sum(Exp(Vector512.Load(values + i) - vshift));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vshift = Vector256.Create(shift);
            for (; i + 8 <= count; i += 8)
            {
                sum += Vector256.Sum(Exp(Vector256.Load(values + i) - vshift));
            }
        }

        for (; i < count; i++)
        {
            sum += MathF.Exp(values[i] - shift);
        }

        return sum;
    }

    /// <summary>values[i] *= factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(float* values, int count, float scale)
    {
        var max = float.NegativeInfinity;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && count >= 16)
        {
            var vmax = Vector512.Create(float.NegativeInfinity);
            for (; i + 16 <= count; i += 16)
            {
                vmax = Vector512.Max(vmax, Vector512.Load(values + i));
            }

            for (var lane = 0; lane < 16; lane++)
            {
                max = MathF.Max(max, vmax[lane]);
            }
        }

        for (; i < count; i++)
        {
            max = MathF.Max(max, values[i]);
        }

        // The scale is positive, so the largest scaled score is the scaled maximum.
        var shift = max * scale;
        var sum = 0f;
        i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vscale = Vector512.Create(scale);
            var vshift = Vector512.Create(shift);
            var vsum = Vector512<float>.Zero;
            for (; i + 16 <= count; i += 16)
            {
                var e = Exp(Vector512.FusedMultiplyAdd(Vector512.Load(values + i), vscale, -vshift));
                e.Store(values + i);
                vsum += e;
            }

            sum = Vector512.Sum(vsum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vscale = Vector256.Create(scale);
            var vshift = Vector256.Create(shift);
            var vsum = Vector256<float>.Zero;
            for (; i + 8 <= count; i += 8)
            {
                var e = Exp(Vector256.FusedMultiplyAdd(Vector256.Load(values + i), vscale, -vshift));
                e.Store(values + i);
                vsum += e;
            }

            sum = Vector256.Sum(vsum);
        }

        for (; i < count; i++)
        {
            var e = MathF.Exp((values[i] * scale) - shift);
            values[i] = e;
            sum += e;
        }

        Scale(values, count, 1f / sum);
    }

    /// <summary>e^x for 8 lanes; see <see cref="Exp(Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(-87.33f));
        var n = Vector256.Round(x * Vector256.Create(1.44269504088896341f));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256.Create(-87.33f)), Vector256<float>.Zero, p * scale.AsSingle());
    }

    /// <summary>
    /// e^x for 16 lanes, within about 2 ulp: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by Cephes' expf polynomial,
    /// and 2^n put into the exponent. Inputs below −87 give 0; the softmax never passes anything above 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Max(x, Vector512.Create(-87.33f));
        var n = Vector512.Round(x * Vector512.Create(1.44269504088896341f));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512.Create(-87.33f)), Vector512<float>.Zero, p * scale.AsSingle());
    }

    /// <summary>
    /// The scalar part of <see cref="Dot(float*, ushort*, int)"/> from <paramref name="start"/> on: 8 halves are
    /// widened at a time in a vector, then summed one by one in the scalar kernel's order.
    /// </summary>
    private static float DotRemainder(float* a, ushort* halfB, int start, int count, float sum)
    {
        var i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                var b = HalfConversion.FiniteToSingle(Vector256.WidenLower(Vector128.Load(halfB + i).ToVector256()));
                sum += a[i] * b.GetElement(0);
                sum += a[i + 1] * b.GetElement(1);
                sum += a[i + 2] * b.GetElement(2);
                sum += a[i + 3] * b.GetElement(3);
                sum += a[i + 4] * b.GetElement(4);
                sum += a[i + 5] * b.GetElement(5);
                sum += a[i + 6] * b.GetElement(6);
                sum += a[i + 7] * b.GetElement(7);
            }
        }

        for (; i < count; i++)
        {
            sum += a[i] * (float)BitConverter.UInt16BitsToHalf(halfB[i]);
        }

        return sum;
    }

    /// <summary>The part of <see cref="MultiplyAdd(ushort*, float, float*, int)"/> from <paramref name="start"/> on.</summary>
    private static void MultiplyAddRemainder(ushort* halfSource, float factor, float* destination, int start, int count)
    {
        var i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            // Element-wise, so a vector computes exactly what the scalar kernel does lane by lane.
            var f = Vector256.Create(factor);
            for (; i + 8 <= count; i += 8)
            {
                var source = HalfConversion.FiniteToSingle(Vector256.WidenLower(Vector128.Load(halfSource + i).ToVector256()));
                (Vector256.Load(destination + i) + (f * source)).Store(destination + i);
            }
        }

        for (; i < count; i++)
        {
            destination[i] += factor * (float)BitConverter.UInt16BitsToHalf(halfSource[i]);
        }
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
