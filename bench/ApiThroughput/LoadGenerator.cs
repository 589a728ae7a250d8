using Benchmarks.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace ApiThroughput;

/// <summary>One run against one target: how many requests succeeded, how fast, and how many did not.</summary>
internal sealed record RunResult(string Target, int Round, long Succeeded, long Errors, TimeSpan Elapsed, long[] SortedLatencyTicks)
{
    public double RequestsPerSecond => Succeeded / Elapsed.TotalSeconds;

    /// <summary>CPU each process used during the run (see <see cref="ProcessCpu"/>).</summary>
    public IReadOnlyDictionary<string, TimeSpan> Cpu { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>CPU milliseconds per successful request, over every process of the run.</summary>
    public double CpuMsPerRequest(string process) => Cpu.GetValueOrDefault(process).TotalMilliseconds / Math.Max(1, Succeeded);

    /// <summary>Nearest-rank percentile of successful requests' latency, in milliseconds.</summary>
    public double PercentileMs(double percentile)
    {
        if (SortedLatencyTicks.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * SortedLatencyTicks.Length);
        return SortedLatencyTicks[Math.Clamp(rank, 1, SortedLatencyTicks.Length) - 1] * 1000.0 / Stopwatch.Frequency;
    }
}

/// <summary>
/// A closed-loop load generator: <c>connections</c> workers, each sending its next GET as soon as the last
/// answer is read in full, over as many kept-alive HTTP/1.1 connections. Latency is measured per request
/// from send to the body's last byte; only 200s count as successes, anything else (status or exception) is an error.
/// </summary>
internal sealed class LoadGenerator(string target, Uri url, int connections, string? bearerToken) : IDisposable
{
    private readonly HttpClient _client = CreateClient(connections, bearerToken);

    public string Target { get; } = target;

    /// <summary>One GET, for capturing and checking the body outside of any measurement.</summary>
    public async Task<(HttpStatusCode Status, byte[] Body)> GetOnceAsync(CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync(url, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    public async Task<RunResult> RunAsync(TimeSpan duration, int round, CancellationToken cancellationToken)
    {
        var workers = new Worker[connections];
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = new Task[connections];
        for (var i = 0; i < connections; i++)
        {
            var worker = workers[i] = new Worker(expectedRequests: (int)Math.Min(1_000_000, duration.TotalSeconds * 2000 / connections));
            tasks[i] = Task.Run(() => worker.RunAsync(_client, url, deadline, cancellationToken), cancellationToken);
        }

        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var latencies = workers.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        return new RunResult(Target, round, latencies.LongLength, workers.Sum(w => w.Errors), elapsed, latencies);
    }

    public void Dispose() => _client.Dispose();

    private static HttpClient CreateClient(int connections, string? bearerToken)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    private sealed class Worker(int expectedRequests)
    {
        public List<long> Latencies { get; } = new(expectedRequests);

        public long Errors { get; private set; }

        public async Task RunAsync(HttpClient client, Uri url, long deadline, CancellationToken cancellationToken)
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Latencies.Add(Stopwatch.GetTimestamp() - start);
                    }
                    else
                    {
                        Errors++;
                    }
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    Errors++;
                }
            }
        }
    }
}
