using Kisei.Benchmarks;

// dotnet run -c Release --project Kisei.Benchmarks -- <suite> [options]
var suites = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase);
suites["audio"] = AudioBenchmarks.Run;
suites["whisper"] = Kisei.Benchmarks.Whisper.WhisperBenchmark.Run;
suites["whisper-engines"] = Kisei.Benchmarks.Whisper.EngineComparison.Run;
suites["whisper-engine-once"] = Kisei.Benchmarks.Whisper.EngineComparison.RunOnce;
suites["page-score"] = PageScoreBenchmark.Run;

if (args.Length == 0 || !suites.TryGetValue(args[0], out var suite))
{
    Console.Error.WriteLine($"usage: Kisei.Benchmarks <{string.Join('|', suites.Keys)}> [options]");
    return 2;
}

if (args[0] != "whisper-engine-once")
{
    Console.WriteLine($"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
}

return suite(args[1..]);
