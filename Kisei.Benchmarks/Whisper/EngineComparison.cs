using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kisei.Web.Speech;
using Kisei.Whisper;

namespace Kisei.Benchmarks.Whisper;

/// <summary>
/// The three engines side by side (docs/design.md §8): Kisei's managed engine, Whisper.net and, when it has been built outside
/// the repository, whisper.cpp's own command-line tool, on the same model, clip and thread count. Each round runs each
/// engine once in a fresh process, in an order that rotates from round to round (so a burst of load from elsewhere on
/// a shared machine does not fall on one engine), and reports the medians of the spectrogram, the encoder, each token,
/// the whole transcription, and the process's peak resident set.
/// <code>
/// whisper-engines --model PATH --wav FILE [--threads N] [--rounds N] [--whisper-cli PATH]
/// </code>
/// The managed engine and Whisper.net each transcribe once to warm up and once measured; whisper.cpp's tool runs
/// cold, as it always does, and its own timings (whisper_print_timings) leave its load time out. Whisper.net reports
/// only the whole transcription, so its other columns stay empty.
/// </summary>
internal static partial class EngineComparison
{
    private static readonly string[] Columns = ["mel", "encode", "perToken", "total", "peakMb"];

    public static int Run(string[] args)
    {
        var options = WhisperBenchmark.Parse(args);
        var model = Path.GetFullPath(options.GetValueOrDefault("model") ?? throw new ArgumentException("--model PATH is required."));
        var wav = Path.GetFullPath(options.GetValueOrDefault("wav") ?? throw new ArgumentException("--wav FILE is required."));
        var threads = int.Parse(options.GetValueOrDefault("threads") ?? "2", CultureInfo.InvariantCulture);
        var rounds = int.Parse(options.GetValueOrDefault("rounds") ?? "3", CultureInfo.InvariantCulture);
        var cli = options.GetValueOrDefault("whisper-cli");
        var engines = cli is null ? new[] { "managed", "whisper.net" } : ["managed", "whisper.net", "whisper.cpp"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model {Path.GetFileName(model)}, clip {Path.GetFileName(wav)}, {threads} threads, {rounds} rounds; load average {File.ReadAllText("/proc/loadavg").Trim()}"));

        var results = engines.ToDictionary(engine => engine, _ => Columns.ToDictionary(column => column, _ => new List<double>()));
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < engines.Length; i++)
            {
                var engine = engines[(round + i) % engines.Length];
                var measured = engine == "whisper.cpp" ? RunCli(cli!, model, wav, threads) : RunChild(engine, model, wav, threads);
                foreach (var (column, value) in measured)
                {
                    results[engine][column].Add(value);
                }

                Console.WriteLine($"round {round + 1} {engine}: {string.Join(", ", measured.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} {pair.Value:F2}")))}");
            }
        }

        Console.WriteLine();
        Console.WriteLine("| engine | mel ms | encode ms | per token ms | total ms | peak RSS MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var engine in engines)
        {
            var cells = Columns.Select(column => results[engine][column] is { Count: > 0 } values ? Median(values).ToString("F2", CultureInfo.InvariantCulture) : "—");
            Console.WriteLine($"| {engine} | {string.Join(" | ", cells)} |");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average after: {File.ReadAllText("/proc/loadavg").Trim()}"));
        return 0;
    }

    /// <summary>The child process: one engine, one warm-up transcription, one measured, one JSON line out.</summary>
    public static int RunOnce(string[] args)
    {
        var options = WhisperBenchmark.Parse(args);
        var model = options["model"];
        var threads = int.Parse(options["threads"], CultureInfo.InvariantCulture);
        var samples = WhisperBenchmark.ReadWav(options["wav"]);
        var measured = new Dictionary<string, double>();
        if (options["engine"] == "managed")
        {
            using var transcriber = WhisperTranscriber.Load(model, threads);
            transcriber.Transcribe(samples);
            var start = Stopwatch.GetTimestamp();
            var result = transcriber.Transcribe(samples);
            measured["total"] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            measured["mel"] = result.MelMilliseconds;
            measured["encode"] = result.EncodeMilliseconds / result.Windows.Count;
            measured["perToken"] = result.DecodeMilliseconds / result.DecodedTokens;
        }
        else
        {
            // Greedy without fallback, as the managed engine and the command-line run decode.
            using var recognizer = new WhisperNetRecognizer(new WhisperOptions { ModelPath = model, Threads = threads }, temperatureFallback: false);
            recognizer.TranscribeAsync(samples, CancellationToken.None).GetAwaiter().GetResult();
            measured["total"] = recognizer.TranscribeAsync(samples, CancellationToken.None).GetAwaiter().GetResult().TotalMilliseconds;
        }

        measured["peakMb"] = PeakResidentMegabytes(File.ReadAllText("/proc/self/status"));
        Console.WriteLine(JsonSerializer.Serialize(measured));
        return 0;
    }

    private static Dictionary<string, double> RunChild(string engine, string model, string wav, int threads)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(EngineComparison).Assembly.Location);
        }

        foreach (var argument in new[] { "whisper-engine-once", "--engine", engine, "--model", model, "--wav", wav, "--threads", threads.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{engine} failed: {stderr.Result}");
        }

        return JsonSerializer.Deserialize<Dictionary<string, double>>(lines[^1])!;
    }

    private static Dictionary<string, double> RunCli(string cli, string model, string wav, int threads)
    {
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-m", model, "-f", wav, "-l", "ja", "-nt", "-bs", "1", "-bo", "1", "-tp", "0", "-tpi", "0", "-mc", "0", "-t", threads.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var peak = 0.0;
        while (!process.WaitForExit(10))
        {
            try
            {
                peak = Math.Max(peak, PeakResidentMegabytes(File.ReadAllText($"/proc/{process.Id}/status")));
            }
            catch (IOException)
            {
                // The process ended between the check and the read.
            }
        }

        var log = stderr.Result + stdout.Result;
        double Timing(string name) => double.Parse(Regex.Match(log, $@"{name} time =\s*([0-9.]+) ms").Groups[1].Value, CultureInfo.InvariantCulture);
        var perToken = double.Parse(DecodePerRun().Match(log).Groups[1].Value, CultureInfo.InvariantCulture);
        return new Dictionary<string, double>
        {
            ["mel"] = Timing("mel"),
            ["encode"] = Timing("encode"),
            ["perToken"] = perToken,
            ["total"] = Timing("total") - Timing("load"),
            ["peakMb"] = peak,
        };
    }

    /// <summary>VmHWM in MB; 0 for a process that is exiting, whose status no longer lists its memory.</summary>
    private static double PeakResidentMegabytes(string status) =>
        PeakResident().Match(status) is { Success: true } match ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 1024 : 0;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    [GeneratedRegex(@"VmHWM:\s*(\d+) kB")]
    private static partial Regex PeakResident();

    [GeneratedRegex(@"decode time =\s*[0-9.]+ ms /\s*\d+ runs \(\s*([0-9.]+) ms per run\)")]
    private static partial Regex DecodePerRun();
}
