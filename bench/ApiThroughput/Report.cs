using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ApiThroughput;

/// <summary>Everything the benchmark prints: where it ran, each round as it ends, then the comparison and verdict.</summary>
internal sealed class Report(TextWriter writer)
{
    private static readonly CompositeFormat RowFormat = CompositeFormat.Parse("{0,-6} {1,5} {2,12} {3,9} {4,9} {5,9} {6,8}");

    public void Header(BenchmarkOptions options, IReadOnlyList<string> args)
    {
        Line("API throughput: authenticated, permission-checked, tenant-scoped GET vs a bare endpoint, same run");
        Line($"command:  dotnet run -c Release --project bench/ApiThroughput --{string.Concat(args.Select(a => " " + a))}");
        Line($"date:     {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line($"machine:  {Environment.ProcessorCount} cores, {CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Line($"load:     {options.Connections} connections, closed loop (each worker sends its next request when the last answer is read)");
        Line($"api:      GET {ThroughputComparison.ListUsersPath} as the organization's owner: bearer token (ES256) + session check, tenant, IP rules, " +
             $"rate limiting {(options.RateLimiting ? "on (budgets raised out of reach)" : "off")}, permission users.read, PostgreSQL under row-level security");
        Line($"bare:     GET {BareEndpoint.Path} on a plain Kestrel app in its own process: the same bytes, no auth, no database");
        if (Environment.ProcessorCount <= 4)
        {
            Line($"note:     only {Environment.ProcessorCount} cores: this load generator competes for them with the server under test " +
                 "(and, for the api, with PostgreSQL and Redis), so absolute figures are low for both; compare the ratio.");
        }
#if DEBUG
        Line("warning:  this benchmark is a Debug build; run it with -c Release for figures worth reporting.");
#endif
        if (ServersUnderTest.ApiBuildConfiguration != "Release")
        {
            Line($"warning:  the Api is a {ServersUnderTest.ApiBuildConfiguration} build; run with -c Release for figures worth reporting.");
        }
    }

    public void Phase(string message) => Line(message);

    public void Body(int items, int bytes) => Line($"body:     {items} members, {bytes} bytes of JSON, identical from both targets");

    public void RoundsHeader()
    {
        Line();
        Row("target", "round", "requests/s", "p50 ms", "p95 ms", "p99 ms", "errors");
    }

    public void Round(RunResult result) => Row(result.Target, result.Round.ToString(CultureInfo.InvariantCulture), result);

    public void Summary(ComparisonResult comparison)
    {
        Line();
        Line("median round per target");
        Row("target", "round", "requests/s", "p50 ms", "p95 ms", "p99 ms", "errors");
        Row(comparison.Bare.Target, comparison.Bare.Round.ToString(CultureInfo.InvariantCulture), comparison.Bare);
        Row(comparison.Api.Target, comparison.Api.Round.ToString(CultureInfo.InvariantCulture), comparison.Api);
        Line();
        Line("CPU per request in the median round (ms, from /proc; every process of the run, so the servers' share shows):");
        foreach (var result in (RunResult[])[comparison.Bare, comparison.Api])
        {
            Line($"  {result.Target,-6} " + string.Join("  ", result.Cpu.Where(p => p.Value > TimeSpan.Zero)
                .Select(p => $"{p.Key} {result.CpuMsPerRequest(p.Key):0.000}")) + $"  = {result.Cpu.Keys.Sum(result.CpuMsPerRequest):0.000}");
        }

        // What the throughput target means on this machine: every process shares the same cores.
        var needed = Targets.MinThroughputRatio * comparison.Bare.RequestsPerSecond;
        var budget = Environment.ProcessorCount * 1000.0 / needed;
        var postgres = comparison.Api.CpuMsPerRequest("postgres");
        Line($"  budget {Targets.MinThroughputRatio:P0} of bare is {needed.ToString("N0", CultureInfo.InvariantCulture)} requests/s: at most {budget:0.000} ms of CPU per request " +
            $"over {Environment.ProcessorCount} cores, for every process together (postgres alone spent {postgres:0.000})");

        Line();
        Line($"api/bare throughput: {comparison.ThroughputRatio:P1}");
        Line($"latency target:      api p95 {comparison.Api.PercentileMs(95):0.00} ms < {Targets.ApiP95Ms:0} ms      {Verdict(comparison.MeetsLatencyTarget)}");
        Line($"throughput target:   api/bare {comparison.ThroughputRatio:P1} >= {Targets.MinThroughputRatio:P0}     {Verdict(comparison.MeetsThroughputTarget)}");
        Line($"errors:              api {comparison.Api.Errors}, bare {comparison.Bare.Errors}                 {Verdict(comparison.ErrorFree)}");
        Line($"verdict:             {(comparison.MeetsTargets ? "targets met" : "targets NOT met")}");
    }

    public void Failure(string message, IEnumerable<string> recentOutput)
    {
        Line($"failed: {message}");
        foreach (var line in recentOutput)
        {
            Line($"  | {line}");
        }
    }

    private static string Verdict(bool pass) => pass ? "PASS" : "FAIL";

    private void Row(string target, string round, RunResult result) => Row(
        target, round,
        result.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
        Ms(result.PercentileMs(50)), Ms(result.PercentileMs(95)), Ms(result.PercentileMs(99)),
        result.Errors.ToString(CultureInfo.InvariantCulture));

    private void Row(params object?[] cells) => Line(string.Format(CultureInfo.InvariantCulture, RowFormat, cells));

    private static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private void Line(string text = "")
    {
        writer.WriteLine(text);
        writer.Flush();
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
