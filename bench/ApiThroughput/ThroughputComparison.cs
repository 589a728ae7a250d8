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

        report.Phase($"warm-up: {options.Warmup.TotalSeconds:0} s per target");
        await bare.RunAsync(options.Warmup, round: 0, cancellationToken);
        await api.RunAsync(options.Warmup, round: 0, cancellationToken);

        report.Phase($"measuring: {options.Rounds} round(s) x {options.Duration.TotalSeconds:0} s per target, alternating bare/api");
        report.RoundsHeader();
        var rounds = new List<RunResult>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var target in (LoadGenerator[])[bare, api])
            {
                var result = await target.RunAsync(options.Duration, round, cancellationToken);
                report.Round(result);
                rounds.Add(result);
            }
        }

        return new ComparisonResult(Median(rounds, bare.Target), Median(rounds, api.Target));
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
