using System.Buffers.Binary;
using Kisei.Web.Audio;
using Kisei.Web.Speech;
using NAudio.Wave;

namespace Kisei.Benchmarks;

/// <summary>
/// The audio layer on the clip docs/design.md §8 names: 30 s, 48 kHz, 16-bit stereo, built in memory.
/// Target: WAV decode + loudness under 5 ms (median). For reference, NAudio's own reader on the same
/// clip, and Kisei's reader on a 24-bit copy (a layout it decodes through NAudio).
/// </summary>
internal static class AudioBenchmarks
{
    private const int SampleRateHz = 48_000;
    private const int Channels = 2;
    private const double DurationSeconds = 30.0;

    /// <summary>Keeps results alive so that the JIT cannot drop the work.</summary>
    private static double sink;

    public static int Run(string[] args)
    {
        var iterations = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 100;
        var wav = SyntheticWav(bytesPerSample: 2);
        var wav24 = SyntheticWav(bytesPerSample: 3);
        var naudioSamples = new float[16_384];
        var mono = WavReader.Read(wav).Mono;
        var mono16kHz = Resampler.Resample(mono, SampleRateHz, 16_000);
        var frameRms = new float[LoudnessMeter.FrameCount(mono.Length)];

        Console.WriteLine($"clip: {DurationSeconds} s, {SampleRateHz} Hz, 16-bit, {Channels} channels, {wav.Length:N0} bytes; {iterations} iterations");
        Measure.Run("audio: WAV read + loudness", () =>
        {
            var audio = WavReader.Read(wav);
            sink += LoudnessMeter.Measure(audio.Mono).Loudness;
        }, iterations);
        Measure.Run("audio: WAV read", () => sink += WavReader.Read(wav).Frames, iterations);
        Measure.Run("audio: WAV read, 24-bit (NAudio)", () => sink += WavReader.Read(wav24).Frames, iterations);
        Measure.Run("audio: NAudio WaveFileReader to floats", () =>
        {
            using var reader = new WaveFileReader(new MemoryStream(wav, writable: false));
            var samples = reader.ToSampleProvider();
            int read;
            while ((read = samples.Read(naudioSamples)) > 0)
            {
                sink += naudioSamples[read - 1];
            }
        }, iterations);
        Measure.Run("audio: loudness", () => sink += LoudnessMeter.Measure(mono).Loudness, iterations);
        Measure.Run("audio: frame RMS", () =>
        {
            LoudnessMeter.FrameRms(mono, frameRms);
            sink += frameRms[^1];
        }, iterations);
        Measure.Run("audio: resample 48 kHz -> 16 kHz", () => sink += Resampler.Resample(mono, SampleRateHz, 16_000)[^1], Math.Max(10, iterations / 5));
        Measure.Run("audio: waveform envelope (200 points)", () => sink += WaveformEnvelope.Compute(mono).Max[0], iterations);
        Measure.Run("speech: syllable estimator (30 s, 16 kHz)", () => sink += SyllableEstimator.CountNuclei(mono16kHz, 16_000), Math.Max(10, iterations / 5));
        return sink == 42.0 ? 1 : 0;
    }

    /// <summary>A canonical 44-byte header and a deterministic voice-like signal with noise, different in each channel.</summary>
    private static byte[] SyntheticWav(int bytesPerSample)
    {
        var frames = (int)(DurationSeconds * SampleRateHz);
        var blockAlign = Channels * bytesPerSample;
        var dataBytes = frames * blockAlign;
        var bytes = new byte[44 + dataBytes];
        var header = bytes.AsSpan();
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(bytes.Length - 8));
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], SampleRateHz);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(SampleRateHz * blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], (ushort)(8 * bytesPerSample));
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)dataBytes);

        var random = new Random(1);
        for (var frame = 0; frame < frames; frame++)
        {
            var t = (double)frame / SampleRateHz;
            var syllable = Math.Max(0, Math.Sin(2 * Math.PI * 2.5 * t));
            for (var channel = 0; channel < Channels; channel++)
            {
                var voice = syllable * 0.5 * Math.Sin(2 * Math.PI * (180 + (20 * channel)) * t);
                var noise = 0.02 * ((random.NextDouble() * 2) - 1);
                // 16 bits, shifted left into the container: the same signal at either width.
                var sample = (int)Math.Clamp(Math.Round((voice + noise) * 32767), short.MinValue, short.MaxValue) << (8 * (bytesPerSample - 2));
                var at = 44 + (frame * blockAlign) + (channel * bytesPerSample);
                for (var b = 0; b < bytesPerSample; b++)
                {
                    bytes[at + b] = (byte)(sample >> (8 * b));
                }
            }
        }

        return bytes;
    }
}
