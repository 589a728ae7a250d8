using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace InferenceThroughput;

/// <summary>
/// A closed-loop load generator: <c>clients</c> workers each POST the same inference request as soon as
/// the last answer is read, over kept-alive HTTP/1.1 connections. Only 200s count as successes.
/// </summary>
internal sealed class HttpLoad(Uri server, string token, int clients) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = clients,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
        UseProxy = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    public async Task<(HttpStatusCode Status, string Body)> OnceAsync(string model, byte[] body, CancellationToken cancellationToken)
    {
        using var content = Content(body);
        using var response = await _client.PostAsync(Path(model), content, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<Measurement> RunAsync(string model, string target, byte[] body, TimeSpan duration, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<long>(4096);
            long errors = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var content = Content(body);
                    using var response = await _client.PostAsync(Path(model), content, cancellationToken);
                    await response.Content.LoadIntoBufferAsync(cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        latencies.Add(Stopwatch.GetTimestamp() - t0);
                    }
                    else
                    {
                        errors++;
                    }
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    errors++;
                }
            }

            return (latencies, errors);
        }, cancellationToken)).ToList();
        var results = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var all = results.SelectMany(r => r.latencies).ToArray();
        Array.Sort(all);
        return new Measurement(model, target, all.LongLength, results.Sum(r => r.errors), elapsed, Measurement.Percentile(all, 50), Measurement.Percentile(all, 95));
    }

    public void Dispose() => _client.Dispose();

    private Uri Path(string model) => new(server, $"/v2/models/{model}/infer");

    private static ByteArrayContent Content(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
