using System.Globalization;
using System.Runtime.InteropServices;

namespace QueueThroughput;

/// <summary>Everything the benchmark prints: where it ran, each phase as it ends, then the verdict.</summary>
internal sealed class Report(TextWriter writer)
{
    public void Header(BenchmarkOptions options, IReadOnlyList<string> args)
    {
        Line("Queue throughput: outbox -> relay -> PostgreSQL queue -> competing consumers, against raw single-row transactions, same run");
        Line($"command:  dotnet run -c Release --project bench/QueueThroughput --{string.Concat(args.Select(a => " " + a))}");
        Line($"date:     {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line($"machine:  {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Line($"pipeline: {options.Consumers} consumers, 1 relay, empty handler (inbox record and queue row removal), " +
             $"{(options.SharedTransaction ? "one transaction per claimed batch" : "one transaction per message")}, events over {options.Organizations} organizations");
        Line($"baseline: INSERT + DELETE of one row per transaction, {options.Consumers} workers, same data source, no row-level security");
        Line($"phases:   {options.Warmup.TotalSeconds:0} s warm-up + {options.Duration.TotalSeconds:0} s measured each; latency = producer's commit to handler's call");
#if DEBUG
        Line("warning:  this benchmark is a Debug build; run it with -c Release for figures worth reporting.");
#endif
    }

    public void Phase(string message) => Line(message);

    public void Baseline(double transactionsPerSecond) =>
        Line($"baseline                 {transactionsPerSecond.ToString("N0", CultureInfo.InvariantCulture),10} transactions/s");

    public void Result(PhaseResult result) => Line(
        $"{result.Name,-24} {result.HandledPerSecond.ToString("N0", CultureInfo.InvariantCulture),10} handled/s  " +
        $"(produced {result.ProducedPerSecond.ToString("N0", CultureInfo.InvariantCulture)}/s)  " +
        $"p50 {Ms(result.PercentileMs(50))}  p95 {Ms(result.PercentileMs(95))}  p99 {Ms(result.PercentileMs(99))} ms  " +
        $"(left waiting: {result.OutboxBacklog.ToString("N0", CultureInfo.InvariantCulture)} in the outbox, {result.QueueBacklog.ToString("N0", CultureInfo.InvariantCulture)} on the queue)\n" +
        $"{"",24} CPU per handled message (ms, from /proc): {result.CpuPerMessage()}");

    /// <returns>Whether the targets are met.</returns>
    public bool Summary(double baseline, PhaseResult saturation, PhaseResult offered)
    {
        var throughputMet = saturation.HandledPerSecond >= Targets.MinMessagesPerSecond;
        var keptUp = offered.HandledPerSecond >= 0.95 * offered.ProducedPerSecond;
        var latencyMet = offered.PercentileMs(95) < Targets.MaxP95Ms && keptUp;
        Line();
        Line($"messages/baseline transactions: {saturation.HandledPerSecond / baseline:P1} (each message costs a producer transaction, a relay share, a consumer transaction and an acknowledgement)");
        Line($"throughput target: {saturation.HandledPerSecond.ToString("N0", CultureInfo.InvariantCulture)} messages/s >= {Targets.MinMessagesPerSecond:N0}      {Verdict(throughputMet)}");
        Line($"latency target:    p95 {Ms(offered.PercentileMs(95))} ms < {Targets.MaxP95Ms:0} ms at {offered.Name}{(keptUp ? "" : " (the pipeline fell behind)")}      {Verdict(latencyMet)}");
        Line($"verdict:           {(throughputMet && latencyMet ? "targets met" : "targets NOT met")}");
        return throughputMet && latencyMet;
    }

    public void Failure(string message) => Line($"failed: {message}");

    /// <summary>Where PostgreSQL spent the phase (warm-up included), busiest statement first.</summary>
    public void Statements(IReadOnlyList<string> lines)
    {
        Line("PostgreSQL statements during the saturation phase (warm-up included):");
        foreach (var line in lines)
        {
            Line("  " + line);
        }
    }

    private static string Verdict(bool pass) => pass ? "PASS" : "FAIL";

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private void Line(string text = "")
    {
        writer.WriteLine(text);
        writer.Flush();
    }
}
