using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NAudio.Wave;

namespace Kisei.Web.Audio;

/// <summary>
/// Turns the data chunk of a WAV file that <see cref="WavReader"/> has checked into mono floats in [-1, 1]
/// (8-bit: b / 128 − 1; n-bit integers: / 2^(n−1); floats as stored), the mean of the channels.
/// </summary>
/// <remarks>
/// <para>
/// NAudio's sample providers decode every layout except 16-bit mono and stereo and 32-bit float mono. Those are
/// what the browser recorder and most files send, and there NAudio misses docs/design.md §8's 5 ms for decoding 30 s at
/// 48 kHz: its own reader takes about 8 times as long as these vector loops just to turn 16-bit stereo into
/// floats, before any mix-down, and about 50 times as long through Kisei's mix-down (BENCHMARKS.md, "WAV
/// decoding and loudness"). So Kisei keeps its own loops for those three layouts.
/// </para>
/// <para>
/// NAudio is handed the format Kisei checked and the whole frames Kisei located, not the file: its
/// <see cref="WaveFileReader"/> refuses files Kisei accepts (a RIFF size of 0 or too small, a data chunk before
/// the format chunk, 12 valid bits in a plain format chunk) and reads a streaming file's data size of 0 as no
/// audio.
/// </para>
/// </remarks>
internal static class WavSampleDecoder
{
    /// <summary>Frames converted per read: the interleaved block stays in cache while it is mixed down.</summary>
    private const int BlockFrames = 4_096;

    /// <summary>Decodes <paramref name="data"/> (whole frames of <paramref name="format"/>) into <paramref name="mono"/>.</summary>
    public static void DecodeMono(ReadOnlySpan<byte> data, WavFormat format, Span<float> mono)
    {
        var channels = format.Channels;
        if (data.Length != (long)mono.Length * format.BlockAlign)
        {
            throw new ArgumentException("The data must hold exactly one frame per output sample.", nameof(data));
        }

        switch (format.Encoding, format.ContainerBitsPerSample, channels)
        {
            case (WavEncoding.PcmInteger, 16, 1) when BitConverter.IsLittleEndian:
                Decode16Mono(MemoryMarshal.Cast<byte, short>(data), mono);
                break;
            case (WavEncoding.PcmInteger, 16, 2) when BitConverter.IsLittleEndian:
                Decode16Stereo(MemoryMarshal.Cast<byte, int>(data), mono);
                break;
            case (WavEncoding.IeeeFloat, 32, 1) when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(data).CopyTo(mono);
                break;
            default:
                DecodeWithNAudio(data, format, mono);
                break;
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

    private static unsafe void DecodeWithNAudio(ReadOnlySpan<byte> data, WavFormat format, Span<float> mono)
    {
        var channels = format.Channels;
        var waveFormat = WaveFormat.CreateCustomFormat(
            format.Encoding == WavEncoding.IeeeFloat ? WaveFormatEncoding.IeeeFloat : WaveFormatEncoding.Pcm,
            format.SampleRateHz,
            channels,
            format.SampleRateHz * format.BlockAlign,
            format.BlockAlign,
            format.ContainerBitsPerSample);

        // The stream reads the caller's bytes in place; it does not outlive the pin.
        fixed (byte* bytes = data)
        {
            using var stream = new UnmanagedMemoryStream(bytes, data.Length);
            using var wave = new RawSourceWaveStream(stream, waveFormat);
            var samples = wave.ToSampleProvider();
            if (channels == 1)
            {
                ReadExactly(samples, mono);
                return;
            }

            var interleaved = ArrayPool<float>.Shared.Rent(BlockFrames * channels);
            try
            {
                for (var start = 0; start < mono.Length; start += BlockFrames)
                {
                    var block = mono.Slice(start, Math.Min(BlockFrames, mono.Length - start));
                    var blockSamples = interleaved.AsSpan(0, block.Length * channels);
                    ReadExactly(samples, blockSamples);
                    MixDown(blockSamples, channels, block);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(interleaved);
            }
        }
    }

    private static void ReadExactly(ISampleProvider samples, Span<float> destination)
    {
        while (!destination.IsEmpty)
        {
            var read = samples.Read(destination);
            if (read == 0)
            {
                throw new InvalidOperationException("NAudio returned fewer samples than the data chunk holds.");
            }

            destination = destination[read..];
        }
    }

    /// <summary>The mean of each frame's channels, summed in double so that loud but finite floats cannot overflow.</summary>
    private static void MixDown(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        if (channels == 2)
        {
            for (var frame = 0; frame < mono.Length; frame++)
            {
                mono[frame] = (float)((interleaved[2 * frame] + (double)interleaved[(2 * frame) + 1]) * 0.5);
            }

            return;
        }

        var offset = 0;
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0.0;
            for (var channel = 0; channel < channels; channel++)
            {
                sum += interleaved[offset++];
            }

            mono[frame] = (float)(sum / channels);
        }
    }
}
