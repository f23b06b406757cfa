using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kisei.Whisper;

/// <summary>
/// IEEE half-precision conversions on whole vectors. .NET has no vector instruction for them (F16C is not
/// exposed), and the scalar Half casts are too slow for the kernels, so the bits are moved by hand; both
/// directions are exact (round to nearest even), including subnormals, infinities and NaN payloads.
/// </summary>
internal static unsafe class HalfConversion
{
    /// <summary>Widens 16 halves, held in the low 16 bits of each lane, to singles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> half)
    {
        var magnitude = half & Vector512.Create(0x7FFFu);
        // Shifting the exponent and mantissa into place and multiplying by 2^112 rebiases the exponent and
        // normalizes subnormals in one step; infinities and NaN only need their exponent set to all ones.
        var shifted = magnitude << 13;
        var value = shifted.AsSingle() * Vector512.Create(0x77800000u).AsSingle();
        var special = Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(0x7C00u));
        value = Vector512.ConditionalSelect(special.AsSingle(), (shifted | Vector512.Create(0x7F800000u)).AsSingle(), value);
        return (value.AsUInt32() | ((half & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>
    /// Widens 16 finite halves: three operations fewer than <see cref="ToSingle(Vector512{uint})"/>, for the
    /// attention caches that the decoder reads for every token. An infinity or NaN (only an overflowing key or
    /// value, which leaves whisper.cpp's output meaningless too) reads as a large finite number instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FiniteToSingle(Vector512<uint> half)
    {
        var value = ((half & Vector512.Create(0x7FFFu)) << 13).AsSingle() * Vector512.Create(0x77800000u).AsSingle();
        return (value.AsUInt32() | ((half & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Widens 8 halves, held in the low 16 bits of each lane, to singles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> half)
    {
        var magnitude = half & Vector256.Create(0x7FFFu);
        var shifted = magnitude << 13;
        var value = shifted.AsSingle() * Vector256.Create(0x77800000u).AsSingle();
        var special = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7C00u));
        value = Vector256.ConditionalSelect(special.AsSingle(), (shifted | Vector256.Create(0x7F800000u)).AsSingle(), value);
        return (value.AsUInt32() | ((half & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Narrows 16 singles to halves (round to nearest even), in the low 16 bits of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> ToHalf(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        var sign = (bits >> 16) & Vector512.Create(0x8000u);
        var magnitude = bits & Vector512.Create(0x7FFFFFFFu);

        // Normal halves: round the mantissa to 10 bits, then rebias the exponent from 127 to 15.
        var rounded = magnitude + Vector512.Create(0xFFFu) + ((magnitude >> 13) & Vector512<uint>.One);
        var normal = (rounded >> 13) - Vector512.Create(112u << 10);

        // Subnormal halves: adding 0.5 leaves the value, rounded to a multiple of 2^-24, in the low mantissa bits.
        var subnormal = (magnitude.AsSingle() + Vector512.Create(0.5f)).AsUInt32() - Vector512.Create(0x3F000000u);

        var result = Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(0x38800000u)), subnormal, normal);
        result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(0x477FF000u)), Vector512.Create(0x7C00u), result);
        var nan = Vector512.Create(0x7E00u) | ((magnitude >> 13) & Vector512.Create(0x3FFu));
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(magnitude, Vector512.Create(0x7F800000u)), nan, result);
        return result | sign;
    }

    /// <summary>Narrows 8 singles to halves (round to nearest even), in the low 16 bits of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> ToHalf(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var sign = (bits >> 16) & Vector256.Create(0x8000u);
        var magnitude = bits & Vector256.Create(0x7FFFFFFFu);
        var rounded = magnitude + Vector256.Create(0xFFFu) + ((magnitude >> 13) & Vector256<uint>.One);
        var normal = (rounded >> 13) - Vector256.Create(112u << 10);
        var subnormal = (magnitude.AsSingle() + Vector256.Create(0.5f)).AsUInt32() - Vector256.Create(0x3F000000u);
        var result = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(0x38800000u)), subnormal, normal);
        result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x477FF000u)), Vector256.Create(0x7C00u), result);
        var nan = Vector256.Create(0x7E00u) | ((magnitude >> 13) & Vector256.Create(0x3FFu));
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(magnitude, Vector256.Create(0x7F800000u)), nan, result);
        return result | sign;
    }

    /// <summary>Widens 8 finite halves; see <see cref="FiniteToSingle(Vector512{uint})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FiniteToSingle(Vector256<uint> half)
    {
        var value = ((half & Vector256.Create(0x7FFFu)) << 13).AsSingle() * Vector256.Create(0x77800000u).AsSingle();
        return (value.AsUInt32() | ((half & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Converts <paramref name="count"/> halves (as raw bits) to singles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(ushort* source, float* destination, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                ToSingle(Vector512.WidenLower(Vector256.Load(source + i).ToVector512())).Store(destination + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                ToSingle(Vector256.WidenLower(Vector128.Load(source + i).ToVector256())).Store(destination + i);
            }
        }

        for (; i < count; i++)
        {
            destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
        }
    }

    /// <summary>
    /// Converts <paramref name="count"/> singles to halves (as raw bits), rounding to nearest even. The destination
    /// may be the source itself: every write lands behind the reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToHalf(float* source, ushort* destination, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector512.Narrow(ToHalf(Vector512.Load(source + i)), Vector512<uint>.Zero).GetLower().Store(destination + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector256.Narrow(ToHalf(Vector256.Load(source + i)), Vector256<uint>.Zero).GetLower().Store(destination + i);
            }
        }

        for (; i < count; i++)
        {
            destination[i] = BitConverter.HalfToUInt16Bits((Half)source[i]);
        }
    }

    /// <summary>Rounds each value to the nearest half-precision number, as a model computing in f16 would see it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RoundToHalf(float* values, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                ToSingle(ToHalf(Vector512.Load(values + i))).Store(values + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                ToSingle(ToHalf(Vector256.Load(values + i))).Store(values + i);
            }
        }

        for (; i < count; i++)
        {
            values[i] = (float)(Half)values[i];
        }
    }
}
