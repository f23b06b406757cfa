using System.Diagnostics;
using System.Globalization;

namespace Kisei.Benchmarks;

/// <summary>
/// A deliberately small harness: warm up, time each iteration with a <see cref="Stopwatch"/>, and report
/// the median with the spread. Medians resist the noise of a shared 2-core machine better than means.
/// </summary>
public static class Measure
{
    /// <summary>Runs <paramref name="action"/> and prints one line: name, median, p10, p90 and the count.</summary>
    public static Summary Run(string name, Action action, int iterations = 50, int warmup = 5)
    {
        ArgumentNullException.ThrowIfNull(action);
        for (var i = 0; i < warmup; i++)
        {
            action();
        }

        var milliseconds = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var summary = Summary.Of(name, milliseconds);
        Console.WriteLine(summary);
        return summary;
    }

    /// <summary>Median and spread of a set of timings, in milliseconds.</summary>
    public sealed record Summary(string Name, double MedianMs, double P10Ms, double P90Ms, int Count)
    {
        public static Summary Of(string name, IReadOnlyList<double> milliseconds)
        {
            ArgumentNullException.ThrowIfNull(milliseconds);
            var sorted = milliseconds.Order().ToArray();
            return new Summary(name, Percentile(sorted, 0.5), Percentile(sorted, 0.1), Percentile(sorted, 0.9), sorted.Length);
        }

        private static double Percentile(double[] sorted, double p)
        {
            if (sorted.Length == 0)
            {
                return double.NaN;
            }

            var position = p * (sorted.Length - 1);
            var lower = (int)Math.Floor(position);
            var upper = Math.Min(lower + 1, sorted.Length - 1);
            return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
        }

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Name,-40} median {MedianMs,10:F3} ms   p10 {P10Ms,10:F3}   p90 {P90Ms,10:F3}   n={Count}");
    }
}
