using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Kisei.Web.Audio;

/// <summary>
/// Turns interleaved sample bytes into mono floats: the mean of the channels, scaled to [-1, 1]
/// (8-bit: (b − 128) / 128; n-bit integers: / 2^(n−1); floats as stored).
/// </summary>
/// <remarks>
/// 16-bit mono and stereo are what the browser recorder and most files send, so they get vector paths;
/// the rest are plain loops, which are fast enough for the lengths the upload limit allows.
/// </remarks>
internal static class WavSampleDecoder
{
    /// <summary>Decodes <paramref name="data"/> (whole frames of <paramref name="format"/>) into <paramref name="mono"/>.</summary>
    public static void DecodeMono(ReadOnlySpan<byte> data, WavFormat format, Span<float> mono)
    {
        var channels = format.Channels;
        if (data.Length != mono.Length * format.BlockAlign)
        {
            throw new ArgumentException("The data must hold exactly one frame per output sample.", nameof(data));
        }

        switch (format.Encoding, format.ContainerBitsPerSample)
        {
            case (WavEncoding.PcmInteger, 16) when channels == 1 && BitConverter.IsLittleEndian:
                Decode16Mono(MemoryMarshal.Cast<byte, short>(data), mono);
                break;
            case (WavEncoding.PcmInteger, 16) when channels == 2 && BitConverter.IsLittleEndian:
                Decode16Stereo(MemoryMarshal.Cast<byte, int>(data), mono);
                break;
            case (WavEncoding.PcmInteger, 8):
                DecodeUnsigned8(data, channels, mono);
                break;
            case (WavEncoding.PcmInteger, 16):
                DecodeInt16(data, channels, mono);
                break;
            case (WavEncoding.PcmInteger, 24):
                DecodeInt24(data, channels, mono);
                break;
            case (WavEncoding.PcmInteger, 32):
                DecodeInt32(data, channels, mono);
                break;
            case (WavEncoding.IeeeFloat, 32) when channels == 1 && BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(data).CopyTo(mono);
                break;
            case (WavEncoding.IeeeFloat, 32):
                DecodeFloat32(data, channels, mono);
                break;
            case (WavEncoding.IeeeFloat, 64):
                DecodeFloat64(data, channels, mono);
                break;
            default:
                throw new ArgumentException($"{format.Encoding} {format.ContainerBitsPerSample}-bit is not a decodable layout.", nameof(format));
        }
    }

    private static void Decode16Mono(ReadOnlySpan<short> samples, Span<float> mono)
    {
        const float Scale = 1f / 32768f;
        ref var source = ref MemoryMarshal.GetReference(samples);
        ref var destination = ref MemoryMarshal.GetReference(mono);
        var count = samples.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(Scale);
            for (; i <= count - Vector512<short>.Count; i += Vector512<short>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref source, (nuint)i));
                (Vector512.ConvertToSingle(lower) * scale).StoreUnsafe(ref destination, (nuint)i);
                (Vector512.ConvertToSingle(upper) * scale).StoreUnsafe(ref destination, (nuint)(i + Vector512<int>.Count));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(Scale);
            for (; i <= count - Vector256<short>.Count; i += Vector256<short>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
                (Vector256.ConvertToSingle(lower) * scale).StoreUnsafe(ref destination, (nuint)i);
                (Vector256.ConvertToSingle(upper) * scale).StoreUnsafe(ref destination, (nuint)(i + Vector256<int>.Count));
            }
        }

        for (; i < count; i++)
        {
            mono[i] = samples[i] * Scale;
        }
    }

    /// <summary>
    /// Reads each little-endian stereo frame as one int, left in the low half and right in the high half,
    /// and splits them with arithmetic shifts. (L + R) / 65536 is exact in float.
    /// </summary>
    private static void Decode16Stereo(ReadOnlySpan<int> frames, Span<float> mono)
    {
        const float Scale = 1f / 65536f;
        ref var source = ref MemoryMarshal.GetReference(frames);
        ref var destination = ref MemoryMarshal.GetReference(mono);
        var count = frames.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(Scale);
            for (; i <= count - Vector512<int>.Count; i += Vector512<int>.Count)
            {
                var frame = Vector512.LoadUnsafe(ref source, (nuint)i);
                var sum = Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(frame, 16), 16) + Vector512.ShiftRightArithmetic(frame, 16);
                (Vector512.ConvertToSingle(sum) * scale).StoreUnsafe(ref destination, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(Scale);
            for (; i <= count - Vector256<int>.Count; i += Vector256<int>.Count)
            {
                var frame = Vector256.LoadUnsafe(ref source, (nuint)i);
                var sum = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(frame, 16), 16) + Vector256.ShiftRightArithmetic(frame, 16);
                (Vector256.ConvertToSingle(sum) * scale).StoreUnsafe(ref destination, (nuint)i);
            }
        }

        for (; i < count; i++)
        {
            var frame = frames[i];
            mono[i] = (((frame << 16) >> 16) + (frame >> 16)) * Scale;
        }
    }

    private static void DecodeUnsigned8(ReadOnlySpan<byte> data, int channels, Span<float> mono)
    {
        var scale = 1.0 / (128.0 * channels);
        var offset = 0;
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0;
            for (var channel = 0; channel < channels; channel++)
            {
                sum += data[offset++] - 128;
            }

            mono[frame] = (float)(sum * scale);
        }
    }

    private static void DecodeInt16(ReadOnlySpan<byte> data, int channels, Span<float> mono)
    {
        var scale = 1.0 / (32768.0 * channels);
        var offset = 0;
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0;
            for (var channel = 0; channel < channels; channel++, offset += 2)
            {
                sum += BinaryPrimitives.ReadInt16LittleEndian(data[offset..]);
            }

            mono[frame] = (float)(sum * scale);
        }
    }

    private static void DecodeInt24(ReadOnlySpan<byte> data, int channels, Span<float> mono)
    {
        var scale = 1.0 / (8388608.0 * channels);
        var offset = 0;
        for (var frame = 0; frame < mono.Length; frame++)
        {
            long sum = 0;
            for (var channel = 0; channel < channels; channel++, offset += 3)
            {
                // Sign-extend through the top byte.
                sum += data[offset] | (data[offset + 1] << 8) | ((sbyte)data[offset + 2] << 16);
            }

            mono[frame] = (float)(sum * scale);
        }
    }

    private static void DecodeInt32(ReadOnlySpan<byte> data, int channels, Span<float> mono)
    {
        var scale = 1.0 / (2147483648.0 * channels);
        var offset = 0;
        for (var frame = 0; frame < mono.Length; frame++)
        {
            long sum = 0;
            for (var channel = 0; channel < channels; channel++, offset += 4)
            {
                sum += BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            }

            mono[frame] = (float)(sum * scale);
        }
    }

    /// <summary>Sums in double so that loud but finite channels cannot overflow to infinity.</summary>
    private static void DecodeFloat32(ReadOnlySpan<byte> data, int channels, Span<float> mono)
    {
        var offset = 0;
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0.0;
            for (var channel = 0; channel < channels; channel++, offset += 4)
            {
                sum += BinaryPrimitives.ReadSingleLittleEndian(data[offset..]);
            }

            mono[frame] = (float)(sum / channels);
        }
    }

    private static void DecodeFloat64(ReadOnlySpan<byte> data, int channels, Span<float> mono)
    {
        var offset = 0;
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0.0;
            for (var channel = 0; channel < channels; channel++, offset += 8)
            {
                sum += BinaryPrimitives.ReadDoubleLittleEndian(data[offset..]);
            }

            mono[frame] = (float)(sum / channels);
        }
    }
}
