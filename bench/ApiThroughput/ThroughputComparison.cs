using Benchmarks.Shared;
using System.Net;
using System.Text.Json;

namespace ApiThroughput;

/// <summary>The median round of each target and what they say against <see cref="Targets"/>.</summary>
internal sealed record ComparisonResult(RunResult Bare, RunResult Api)
{
    public double ThroughputRatio => Api.RequestsPerSecond / Bare.RequestsPerSecond;

    public bool MeetsLatencyTarget => Api.PercentileMs(95) < Targets.ApiP95Ms;

    public bool MeetsThroughputTarget => ThroughputRatio >= Targets.MinThroughputRatio;

    public bool ErrorFree => Api.Errors == 0 && Bare.Errors == 0;

    public bool MeetsTargets => MeetsLatencyTarget && MeetsThroughputTarget && ErrorFree;
}

/// <summary>
/// The measurement: GET /api/v1/users on the real Api as a signed-in owner, and the same bytes from the bare
/// endpoint; one warm-up per target, then rounds alternating bare/api so drift on a noisy machine falls on both.
/// </summary>
internal static class ThroughputComparison
{
    public const string ListUsersPath = "/api/v1/users";

    private static readonly TimeSpan WarmupWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxWarmup = TimeSpan.FromSeconds(60);

    public static async Task<ComparisonResult> RunAsync(ServersUnderTest servers, BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var accessToken = await ListedOrganization.CreateAsync(servers, options.Members, cancellationToken);
        using var api = new LoadGenerator("api", new Uri(servers.ApiUrl, ListUsersPath), options.Connections, accessToken);
        var (status, body) = await api.GetOnceAsync(cancellationToken);
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {ListUsersPath} answered {(int)status}: {System.Text.Encoding.UTF8.GetString(body)}");
        }

        await servers.StartBareAsync(body, options, cancellationToken);
        using var bare = new LoadGenerator("bare", new Uri(servers.BareUrl, BareEndpoint.Path), options.Connections, bearerToken: null);
        var (bareStatus, bareBody) = await bare.GetOnceAsync(cancellationToken);
        if (bareStatus != HttpStatusCode.OK || !bareBody.AsSpan().SequenceEqual(body))
        {
            throw new InvalidOperationException("The bare endpoint does not return the Api's bytes.");
        }

        report.Body(ItemCount(body), body.Length);

        await WarmUpAsync(bare, options, report, cancellationToken);
        await WarmUpAsync(api, options, report, cancellationToken);

        report.Phase($"measuring: {options.Rounds} round(s) x {options.Duration.TotalSeconds:0} s per target, alternating bare/api");
        report.RoundsHeader();
        var rounds = new List<RunResult>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var target in (LoadGenerator[])[bare, api])
            {
                var before = ProcessCpu.Read(servers.Processes);
                var result = await target.RunAsync(options.Duration, round, cancellationToken);
                result = result with { Cpu = ProcessCpu.Between(before, ProcessCpu.Read(servers.Processes)) };
                report.Round(result);
                rounds.Add(result);
            }
        }

        return new ComparisonResult(Median(rounds, bare.Target), Median(rounds, api.Target));
    }

    /// <summary>
    /// Unmeasured load until the target's throughput settles: tiered JIT compilation, connection pools and caches
    /// take longer in the Api than in the bare app (on 2 busy cores, 15-20 s of load). Windows of <see cref="WarmupWindow"/>
    /// until two in a row agree within 10%, for at least <see cref="BenchmarkOptions.Warmup"/> and at most <see cref="MaxWarmup"/>.
    /// </summary>
    private static async Task WarmUpAsync(LoadGenerator target, BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var windows = new List<double>();
        var elapsed = TimeSpan.Zero;
        while (true)
        {
            windows.Add((await target.RunAsync(WarmupWindow, round: 0, cancellationToken)).RequestsPerSecond);
            elapsed += WarmupWindow;
            var settled = windows.Count >= 2 && Math.Abs(windows[^1] - windows[^2]) <= 0.1 * windows[^2];
            if ((settled && elapsed >= options.Warmup) || elapsed >= MaxWarmup)
            {
                report.Phase($"warm-up:  {target.Target} {elapsed.TotalSeconds:0} s ({(settled ? "settled" : "not settled, measuring anyway")}; " +
                    $"requests/s per {WarmupWindow.TotalSeconds:0} s window: {string.Join(", ", windows.Select(w => w.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))})");
                return;
            }
        }
    }

    /// <summary>The round with the median requests per second (the lower middle one for an even count).</summary>
    private static RunResult Median(List<RunResult> rounds, string target)
    {
        var ordered = rounds.Where(r => r.Target == target).OrderBy(r => r.RequestsPerSecond).ToList();
        return ordered[(ordered.Count - 1) / 2];
    }

    private static int ItemCount(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("items", out var items) ? items.GetArrayLength() : -1;
    }
}
