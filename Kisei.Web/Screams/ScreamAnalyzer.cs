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
    public async Task<ScreamAnalysis> AnalyzeAsync(ReadOnlyMemory<byte> wav, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();

        // 1. Decode, mixed down to mono in [-1, 1].
        var audio = WavReader.Read(wav.Span);
        var decoded = Stopwatch.GetTimestamp();

        // 2. Loudness X at the file's own rate, as librosa measured it in the original.
        var loudness = LoudnessMeter.Measure(audio.Mono);

        // 3. Recognize at 16 kHz.
        var samples16kHz = Resampler.Resample(audio.Mono, audio.SampleRateHz, RecognizerSampleRateHz);
        var analyzed = Stopwatch.GetTimestamp();
        var recognition = await recognizer.RecognizeAsync(samples16kHz, cancellationToken);
        var recognized = Stopwatch.GetTimestamp();

        // 4. Score.
        var breakdown = ScoreCalculator.Compute(audio.DurationSeconds, loudness.Loudness, recognition);

        return new ScreamAnalysis(
            audio.DurationSeconds,
            audio.SampleRateHz,
            audio.Channels,
            loudness.MeanRms,
            breakdown,
            recognition,
            EnvelopeFor(audio.Mono),
            FrameRmsFor(audio.Mono),
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
