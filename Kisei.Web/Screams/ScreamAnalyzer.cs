using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using Kisei.Web.Audio;
using Kisei.Web.Scoring;
using Kisei.Web.Speech;

namespace Kisei.Web.Screams;

/// <summary>
/// The scoring pipeline of docs/design.md §2 for one WAV: decode → loudness at the file's own rate →
/// resample to 16 kHz → recognise → score. Shared by the score job and <c>kisei score</c>.
/// </summary>
public sealed class ScreamAnalyzer(ISpeechRecognizer recognizer)
{
    /// <summary>The sample rate every recognizer works at.</summary>
    public const int RecognizerSampleRateHz = 16_000;

    /// <summary>Points in the stored waveform envelope and frame-RMS curve.</summary>
    public const int PlotPoints = 240;

    /// <summary>Analyzes a WAV file. Throws <see cref="WavFormatException"/> for bad audio and
    /// <see cref="SpeechRecognitionException"/> when recognition fails.</summary>
    /// <remarks>
    /// The samples at the file's rate and at 16 kHz (2.5 MB for 10 s at 48 kHz) live in pooled buffers: every
    /// scream needs them for a moment, and fresh arrays of that size go to the large-object heap, whose
    /// collections and page faults cost the web requests running alongside. The file's own samples go back
    /// before recognition starts; the 16 kHz ones when it ends, unless it ended in an exception (a recognizer
    /// that was cancelled is never trusted to have let go of them).
    /// </remarks>
    public async Task<ScreamAnalysis> AnalyzeAsync(ReadOnlyMemory<byte> wav, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();

        // 1. Decode, mixed down to mono in [-1, 1].
        var header = WavReader.ReadHeader(wav.Span);
        var frames = (int)header.Frames;
        var rateHz = header.Format.SampleRateHz;
        var mono = ArrayPool<float>.Shared.Rent(frames);
        var samples16kHzLength = Resampler.OutputLength(frames, rateHz, RecognizerSampleRateHz);
        var samples16kHz = ArrayPool<float>.Shared.Rent(samples16kHzLength);
        long decoded;
        LoudnessMeasurement loudness;
        float[] envelope, frameRms;
        try
        {
            WavReader.Decode(wav.Span, header, mono);
            decoded = Stopwatch.GetTimestamp();

            // 2. Loudness X at the file's own rate, as librosa measured it in the original, and the plots.
            var monoSpan = mono.AsSpan(0, frames);
            loudness = LoudnessMeter.Measure(monoSpan);
            envelope = EnvelopeFor(monoSpan);
            frameRms = FrameRmsFor(monoSpan);

            // 3. Resampled to 16 kHz for the recognizer.
            Resampler.Resample(monoSpan, rateHz, RecognizerSampleRateHz, samples16kHz.AsSpan(0, samples16kHzLength));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(mono);
        }

        var analyzed = Stopwatch.GetTimestamp();
        var recognition = await recognizer.RecognizeAsync(samples16kHz.AsMemory(0, samples16kHzLength), cancellationToken);
        var recognized = Stopwatch.GetTimestamp();
        ArrayPool<float>.Shared.Return(samples16kHz);

        // 4. Score.
        var breakdown = ScoreCalculator.Compute(header.DurationSeconds, loudness.Loudness, recognition);

        return new ScreamAnalysis(
            header.DurationSeconds,
            rateHz,
            header.Format.Channels,
            loudness.MeanRms,
            breakdown,
            recognition,
            envelope,
            frameRms,
            new AnalysisTimings(
                Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds,
                Stopwatch.GetElapsedTime(decoded, analyzed).TotalMilliseconds,
                Stopwatch.GetElapsedTime(analyzed, recognized).TotalMilliseconds));
    }

    /// <summary>Min and max per bucket, interleaved, for the result page's plot.</summary>
    private static float[] EnvelopeFor(ReadOnlySpan<float> mono)
    {
        var envelope = WaveformEnvelope.Compute(mono, PlotPoints);
        var interleaved = new float[envelope.Min.Length * 2];
        for (var i = 0; i < envelope.Min.Length; i++)
        {
            interleaved[2 * i] = envelope.Min[i];
            interleaved[(2 * i) + 1] = envelope.Max[i];
        }

        return interleaved;
    }

    /// <summary>The frame RMS curve, reduced by taking the maximum of each bucket.</summary>
    private static float[] FrameRmsFor(ReadOnlySpan<float> mono)
    {
        var frames = new float[LoudnessMeter.FrameCount(mono.Length)];
        LoudnessMeter.FrameRms(mono, frames);
        if (frames.Length <= PlotPoints)
        {
            return frames;
        }

        var reduced = new float[PlotPoints];
        for (var i = 0; i < PlotPoints; i++)
        {
            var start = (int)((long)i * frames.Length / PlotPoints);
            var end = (int)((long)(i + 1) * frames.Length / PlotPoints);
            reduced[i] = TensorPrimitives.Max<float>(frames.AsSpan(start, Math.Max(1, end - start)));
        }

        return reduced;
    }
}

/// <summary>Everything the pipeline learned about one scream.</summary>
public sealed record ScreamAnalysis(
    double DurationSeconds,
    int SampleRateHz,
    int Channels,
    double MeanRms,
    ScoreBreakdown Score,
    Recognition Recognition,
    float[] Envelope,
    float[] FrameRms,
    AnalysisTimings Timings);

/// <summary>Where the time went, in milliseconds.</summary>
public sealed record AnalysisTimings(double DecodeMilliseconds, double AnalysisMilliseconds, double RecognitionMilliseconds);
