using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Kisei.Whisper;

namespace Kisei.Benchmarks.Whisper;

/// <summary>
/// The Whisper engine's speed (docs/design.md §8): median spectrogram, encoder (one 30 s window, cross-attention keys and
/// values included, as whisper.cpp counts it) and per-token decoder time (prompt and sampling included), over
/// several full transcriptions of one clip.
/// <code>
/// whisper --model PATH [--threads N] [--wav FILE] [--iterations N] [--language ja]
/// whisper --write-synthetic tiny|base|small --out PATH [--filters-from MODEL]
/// </code>
/// </summary>
internal static class WhisperBenchmark
{
    public static int Run(string[] args)
    {
        var options = Parse(args);
        if (options.TryGetValue("write-synthetic", out var shape))
        {
            var output = options.GetValueOrDefault("out") ?? throw new ArgumentException("--out PATH is required.");
            var start = Stopwatch.GetTimestamp();
            SyntheticModelFile.Write(output, SyntheticModelFile.Shape(shape), options.GetValueOrDefault("filters-from"));
            Console.WriteLine($"wrote {output} ({new FileInfo(output).Length / 1e6:F1} MB) in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
            return 0;
        }

        var modelPath = options.GetValueOrDefault("model") ?? throw new ArgumentException("--model PATH is required.");
        var threads = int.Parse(options.GetValueOrDefault("threads") ?? "0", CultureInfo.InvariantCulture);
        var iterations = int.Parse(options.GetValueOrDefault("iterations") ?? "7", CultureInfo.InvariantCulture);
        var language = options.GetValueOrDefault("language") ?? "ja";
        var samples = options.TryGetValue("wav", out var wav) ? ReadWav(wav) : Noise(30);

        using var process = Process.GetCurrentProcess();
        var before = process.WorkingSet64;
        var loadStart = Stopwatch.GetTimestamp();
        using var transcriber = WhisperTranscriber.Load(modelPath, threads);
        var loadMilliseconds = Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds;
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {Path.GetFileName(modelPath)}: n_state {transcriber.Hyperparameters.AudioState}, {transcriber.Hyperparameters.AudioLayers}+{transcriber.Hyperparameters.TextLayers} layers, ftype {transcriber.Hyperparameters.FileType}; threads {transcriber.Threads}; " +
            $"loaded in {loadMilliseconds:F0} ms; weights {transcriber.WeightBytes / 1e6:F1} MB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"resident set before loading {before / 1e6:F1} MB, after loading {process.WorkingSet64 / 1e6:F1} MB, peak while loading {process.PeakWorkingSet64 / 1e6:F1} MB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clip: {samples.Length / 16000.0:F2} s"));

        var mel = new List<double>();
        var encode = new List<double>();
        var perToken = new List<double>();
        var tokens = 0;
        for (var i = 0; i < iterations + 1; i++)
        {
            var result = transcriber.Transcribe(samples, language);
            if (i == 0)
            {
                // The first run pays for the JIT; report it, but keep it out of the medians.
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"first run: mel {result.MelMilliseconds:F1} ms, encode {result.EncodeMilliseconds:F1} ms, decode {result.DecodeMilliseconds / result.DecodedTokens:F3} ms/token"));
                continue;
            }

            mel.Add(result.MelMilliseconds);
            encode.Add(result.EncodeMilliseconds / result.Windows.Count);
            perToken.Add(result.DecodeMilliseconds / result.DecodedTokens);
            tokens = result.DecodedTokens;
        }

        Console.WriteLine(Measure.Summary.Of("whisper mel", mel));
        Console.WriteLine(Measure.Summary.Of("whisper encode (per 30 s window)", encode));
        Console.WriteLine(Measure.Summary.Of($"whisper decode per token ({tokens} tokens)", perToken));
        process.Refresh();
        var gc = GC.GetGCMemoryInfo();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"resident set after decoding {process.WorkingSet64 / 1e6:F1} MB, peak {process.PeakWorkingSet64 / 1e6:F1} MB; managed heap {gc.HeapSizeBytes / 1e6:F1} MB, committed {gc.TotalCommittedBytes / 1e6:F1} MB"));
        return 0;
    }

    internal static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value pairs, got '{args[i]}'.");
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }

    /// <summary>16-bit PCM mono 16 kHz only: enough for benchmark clips.</summary>
    internal static float[] ReadWav(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var position = 12;
        while (position + 8 <= bytes.Length)
        {
            var id = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position));
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position + 4));
            if (id == 0x64617461)
            {
                var data = bytes.AsSpan(position + 8, Math.Min(size, bytes.Length - position - 8));
                var samples = new float[data.Length / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(2 * i)..]) / 32768f;
                }

                return samples;
            }

            position += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path} has no data chunk.");
    }

    private static float[] Noise(double seconds)
    {
        var random = new Random(1);
        var samples = new float[(int)(seconds * 16000)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)((random.NextDouble() - 0.5) * 0.2);
        }

        return samples;
    }
}
