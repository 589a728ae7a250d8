using System.Diagnostics;

namespace InferenceThroughput;

/// <summary>One measured run: how many calls or requests succeeded in how long, and their latency percentiles.</summary>
internal sealed record Measurement(string Model, string Target, long Succeeded, long Errors, TimeSpan Elapsed, double P50Ms, double P95Ms)
{
    public double PerSecond => Succeeded / Elapsed.TotalSeconds;

    /// <summary>CPU each process used during the run (HTTP runs only).</summary>
    public IReadOnlyDictionary<string, TimeSpan> Cpu { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Nearest-rank percentile of sorted Stopwatch ticks, in milliseconds.</summary>
    public static double Percentile(long[] sortedTicks, double percentile)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sortedTicks.Length);
        return sortedTicks[Math.Clamp(rank, 1, sortedTicks.Length) - 1] * 1000.0 / Stopwatch.Frequency;
    }
}
