using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ServiceDefaults.Resilience;

/// <summary>
/// Polly pipelines per destination (scheme, host and port), kept for the life of the process:
/// HttpClientFactory recycles handlers every few minutes, and a circuit breaker must outlive them.
/// Order: total timeout, retry (exponential, jittered), circuit breaker, attempt timeout. Requests
/// that are not safe to send twice take the same path without the retry, so they share the
/// destination's circuit breaker and timeouts.
/// </summary>
public sealed class HttpResiliencePipelines(IOptions<HttpResilienceOptions> options)
{
    private readonly ConcurrentDictionary<string, (ResiliencePipeline<HttpResponseMessage> Retrying, ResiliencePipeline<HttpResponseMessage> Once)> _pipelines = new();

    public ResiliencePipeline<HttpResponseMessage> For(Uri destination, bool canRetry = true)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var pipelines = _pipelines.GetOrAdd(destination.GetLeftPart(UriPartial.Authority), _ => Build(options.Value));
        return canRetry ? pipelines.Retrying : pipelines.Once;
    }

    /// <summary>A response worth trying again: server errors, 408 and 429.</summary>
    public static bool IsTransient(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
    }

    private static (ResiliencePipeline<HttpResponseMessage> Retrying, ResiliencePipeline<HttpResponseMessage> Once) Build(HttpResilienceOptions o)
    {
        var transient = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(IsTransient);

        // Built once and composed into both pipelines, so both count towards one circuit.
        var breakerAndAttemptTimeout = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                FailureRatio = o.FailureRatio,
                MinimumThroughput = o.MinimumThroughput,
                SamplingDuration = o.SamplingDuration,
                BreakDuration = o.BreakDuration,
            })
            .AddTimeout(o.AttemptTimeout)
            .Build();

        var retrying = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(o.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = o.MaxRetryAttempts,
                Delay = o.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // A retried response is disposed so its connection goes back to the pool.
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddPipeline(breakerAndAttemptTimeout)
            .Build();

        var once = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(o.TotalTimeout)
            .AddPipeline(breakerAndAttemptTimeout)
            .Build();

        return (retrying, once);
    }
}
