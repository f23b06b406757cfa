using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kisei.Whisper;

/// <summary>
/// Whisper's log-mel spectrogram (openai/whisper audio.py, as whisper.cpp computes it): 16 kHz samples, a periodic
/// Hann window of 400, hop 160; 200 samples reflected on the left and 30 s + 200 zeros on the right; the power
/// spectrum through the model's own mel filter bank; log10 clamped at 1e-10; everything below (max − 8) raised to
/// it; then (x + 4)/4. The output is band-major: <see cref="Bands"/> rows of <see cref="FrameCount"/> frames.
/// Frames are transformed eight at a time, one frame per vector lane, by a mixed-radix FFT.
/// </summary>
public sealed class LogMel
{
    public const int SampleRateHz = 16000;
    public const int FrameLength = 400;
    public const int HopLength = 160;

    /// <summary>Mel frames in one 30 s window, the encoder's input.</summary>
    public const int WindowFrames = 3000;

    /// <summary>Samples in one 30 s window.</summary>
    public const int WindowSamples = WindowFrames * HopLength;

    private const int Lanes = 8;
    private const int Bins = (FrameLength / 2) + 1;
    private const int ReflectLength = FrameLength / 2;

    private readonly float[] _filters;
    private readonly int[] _filterStart;
    private readonly int[] _filterEnd;
    private readonly float[] _window;
    private readonly RealFft _fft = new(FrameLength);

    /// <summary>Uses <paramref name="filters"/>: <paramref name="bands"/> rows of 201 weights (from the model file).</summary>
    public LogMel(ReadOnlyMemory<float> filters, int bands)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bands, 1);
        if (filters.Length != bands * Bins)
        {
            throw new ArgumentException($"A filter bank of {bands} bands needs {bands * Bins} weights; got {filters.Length}.", nameof(filters));
        }

        Bands = bands;
        _filters = filters.ToArray();
        _filterStart = new int[bands];
        _filterEnd = new int[bands];
        for (var b = 0; b < bands; b++)
        {
            // Only the non-zero span of each triangular filter contributes; skipping the rest changes nothing.
            var row = _filters.AsSpan(b * Bins, Bins);
            var start = row.IndexOfAnyExcept(0f);
            _filterStart[b] = start < 0 ? 0 : start;
            _filterEnd[b] = start < 0 ? 0 : row.LastIndexOfAnyExcept(0f) + 1;
        }

        _window = new float[FrameLength];
        for (var i = 0; i < FrameLength; i++)
        {
            _window[i] = (float)(0.5 * (1.0 - MathF.Cos((float)(2.0 * Math.PI * i / FrameLength))));
        }
    }

    public int Bands { get; }

    /// <summary>Frames for <paramref name="sampleCount"/> samples: (samples + 30 s) / hop, as whisper.cpp pads.</summary>
    public static int FrameCount(int sampleCount) => (sampleCount + WindowSamples) / HopLength;

    /// <summary>The spectrogram of 16 kHz <paramref name="samples"/>, <see cref="Bands"/> × <see cref="FrameCount"/>.</summary>
    public float[] Compute(ReadOnlySpan<float> samples)
    {
        var result = new float[(long)Bands * FrameCount(samples.Length)];
        ComputeCore(samples, result);
        return result;
    }

    /// <summary>Writes the spectrogram into <paramref name="destination"/> (band-major, Bands × FrameCount(samples)).</summary>
    public void Compute(ReadOnlySpan<float> samples, Span<float> destination)
    {
        if (destination.Length != (long)Bands * FrameCount(samples.Length))
        {
            throw new ArgumentException($"The destination must hold {Bands} × {FrameCount(samples.Length)} values.", nameof(destination));
        }

        ComputeCore(samples, destination);
    }

    /// <summary>
    /// Positions [<paramref name="start"/>, +<paramref name="destination"/>.Length) of the padded audio: position p
    /// holds samples[200 − p] for the reflected part before the audio, samples[p − 200] within it, and 0 elsewhere.
    /// </summary>
    private static void PaddedStretch(ReadOnlySpan<float> samples, int start, Span<float> destination)
    {
        var n = samples.Length;
        var reflect = Math.Min(ReflectLength, Math.Max(0, n - 1));
        destination.Clear();

        // The samples themselves, in one copy.
        var first = Math.Max(start, ReflectLength);
        var last = Math.Min(start + destination.Length, ReflectLength + n);
        if (first < last)
        {
            samples.Slice(first - ReflectLength, last - first).CopyTo(destination[(first - start)..]);
        }

        // The reflected samples before them.
        for (var p = Math.Max(start, ReflectLength - reflect); p < Math.Min(start + destination.Length, ReflectLength); p++)
        {
            destination[p - start] = samples[ReflectLength - p];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeCore(ReadOnlySpan<float> samples, Span<float> destination)
    {
        var n = samples.Length;
        var frames = FrameCount(n);

        // 1. The audio as padded: 200 reflected samples (fewer for very short input), the samples, then zeros.
        //    Frames past the samples see only zeros, so their log power is log10(1e-10) = -10 without an FFT.
        //    Each batch of frames copies its stretch of the padded audio, so no padded copy of the clip is made.
        var computed = Math.Min(((n + ReflectLength) / HopLength) + 1, frames);
        var segment = new float[((Lanes - 1) * HopLength) + FrameLength];

        // 2. Window, transform and filter eight frames at a time.
        var batch = new Vector256<float>[FrameLength];
        var power = new Vector256<float>[Bins];
        var lanes = new float[Lanes];
        var bandValues = new Vector256<float>[Bands];
        for (var frame0 = 0; frame0 < computed; frame0 += Lanes)
        {
            PaddedStretch(samples, frame0 * HopLength, segment);
            for (var i = 0; i < FrameLength; i++)
            {
                for (var lane = 0; lane < Lanes; lane++)
                {
                    lanes[lane] = segment[(lane * HopLength) + i];
                }

                batch[i] = Vector256.Create(lanes) * _window[i];
            }

            _fft.PowerSpectrum(batch, power);
            for (var b = 0; b < Bands; b++)
            {
                var sum = Vector256<float>.Zero;
                var row = b * Bins;
                for (var k = _filterStart[b]; k < _filterEnd[b]; k++)
                {
                    sum += power[k] * _filters[row + k];
                }

                bandValues[b] = Vector256.Max(sum, Vector256.Create(1e-10f));
            }

            var count = Math.Min(Lanes, computed - frame0);
            for (var b = 0; b < Bands; b++)
            {
                bandValues[b].CopyTo(lanes);
                lanes.AsSpan(0, count).CopyTo(destination.Slice((b * frames) + frame0, count));
            }
        }

        // 3. log10, the silent frames, then the floor at (max − 8) and the scaling to roughly [-1, 1].
        var max = -10f;
        for (var b = 0; b < Bands; b++)
        {
            var row = destination.Slice(b * frames, frames);
            for (var i = 0; i < computed; i++)
            {
                row[i] = MathF.Log10(row[i]);
                max = MathF.Max(max, row[i]);
            }

            row[computed..].Fill(-10f);
        }

        var floor = max - 8f;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (MathF.Max(destination[i], floor) + 4f) * 0.25f;
        }
    }
}
