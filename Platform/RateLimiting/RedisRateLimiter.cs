using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Caching;

namespace Platform.RateLimiting;

/// <summary>
/// Decides whether a request fits its budget, atomically in Redis so that all replicas share one count per
/// subject; falls back to <see cref="InMemoryRateLimiter"/> while Redis is unavailable (see
/// <see cref="RateLimitOptions"/> for why). Thread-safe; register as a singleton.
/// </summary>
public sealed class RedisRateLimiter : IDisposable
{
    /// <summary>
    /// GCRA (generic cell rate algorithm), chosen over counters because it needs one small key per subject
    /// (a timestamp, not a list of requests), refills smoothly instead of allowing double bursts at window
    /// edges, and gives exact remaining/reset/retry figures for the headers. Each request "costs"
    /// interval = window / limit; the key holds the theoretical arrival time (TAT) at which the subject's
    /// spent budget is fully paid back. A request is allowed while TAT + interval - now stays within the
    /// whole budget (interval * limit). Times are integer microseconds from Redis's own clock (TIME), so
    /// replicas with skewed clocks agree, and stay below 2^53 so Lua's doubles hold them exactly. The key
    /// expires when the budget is full again, so nothing lingers.
    /// KEYS[1] = bucket key; ARGV[1] = limit; ARGV[2] = window in microseconds.
    /// Returns {allowed (1/0), remaining, reset-after ms, retry-after ms}.
    /// </summary>
    internal const string Script = """
        local limit = tonumber(ARGV[1])
        local interval = math.ceil(tonumber(ARGV[2]) / limit)
        local capacity = interval * limit
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then
          tat = now
        end
        local used = tat + interval - now
        if used > capacity then
          return {0, 0, math.ceil((tat - now) / 1000), math.ceil((used - capacity) / 1000)}
        end
        redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.ceil(used / 1000))
        return {1, math.floor((capacity - used) / interval), math.ceil(used / 1000), 0}
        """;

    private readonly RedisClient _redis;
    private readonly RateLimitOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly InMemoryRateLimiter _fallback = new();

    // Outage state: 0 while Redis answers; otherwise the timestamp the outage was noticed. Only the request
    // that moves it away from 0 logs, so an outage produces one warning, not one per request.
    private long _outageStartedAt;
    private long _nextProbeAt;

    /// <summary>Creates the limiter over <paramref name="redis"/>.</summary>
    public RedisRateLimiter(RedisClient redis, IOptions<RateLimitOptions> options, ILogger<RedisRateLimiter>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>False while requests are being decided by the fallback because Redis did not answer.</summary>
    public bool IsRedisAvailable => Volatile.Read(ref _outageStartedAt) == 0;

    /// <summary>
    /// Counts one request of <paramref name="subject"/> (an organization id or client address) against
    /// <paramref name="policy"/>, under the key <c>{KeyPrefix}:{policyName}:{subject}</c>.
    /// </summary>
    public async ValueTask<RateLimitDecision> AcquireAsync(string policyName, RateLimitPolicy policy, string subject, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentOutOfRangeException.ThrowIfLessThan(policy.Limit, 1, nameof(policy));
        ArgumentOutOfRangeException.ThrowIfLessThan(policy.Window, TimeSpan.FromMilliseconds(1), nameof(policy));

        var key = $"{_options.KeyPrefix}:{policyName}:{subject}";
        if (ShouldTryRedis())
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RedisTimeout);
            try
            {
                var reply = await _redis.EvaluateAsync(
                    Script,
                    [key],
                    [policy.Limit.ToString(CultureInfo.InvariantCulture), (policy.Window.Ticks / 10).ToString(CultureInfo.InvariantCulture)],
                    timeout.Token);
                RedisAnswered();
                var values = reply.AsArray();
                return new RateLimitDecision(
                    values[0].AsInt64() == 1,
                    policy.Limit,
                    (int)values[1].AsInt64(),
                    TimeSpan.FromMilliseconds(values[2].AsInt64()),
                    TimeSpan.FromMilliseconds(values[3].AsInt64()),
                    RateLimitStore.Redis);
            }
            catch (Exception error) when (IsUnavailable(error, cancellationToken))
            {
                RedisFailed(error);
            }
        }

        return _options.WhenRedisUnavailable == RateLimitRedisFailureMode.Allow
            ? new RateLimitDecision(true, policy.Limit, policy.Limit, TimeSpan.Zero, TimeSpan.Zero, RateLimitStore.None)
            : _fallback.Acquire(key, policy);
    }

    /// <inheritdoc />
    public void Dispose() => _fallback.Dispose();

    /// <summary>
    /// Connection failures, server errors (e.g. OOM, READONLY during a failover) and our own short timeout
    /// count as "unavailable"; the caller giving up (request aborted) does not.
    /// </summary>
    private static bool IsUnavailable(Exception error, CancellationToken callerToken) => error switch
    {
        RedisException or TimeoutException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>Healthy: always. In an outage: one request per retry interval probes Redis.</summary>
    private bool ShouldTryRedis()
    {
        if (Volatile.Read(ref _outageStartedAt) == 0)
        {
            return true;
        }

        var now = _time.GetTimestamp();
        var next = Volatile.Read(ref _nextProbeAt);
        return now >= next && Interlocked.CompareExchange(ref _nextProbeAt, now + IntervalTicks(_options.RedisRetryInterval), next) == next;
    }

    private void RedisFailed(Exception error)
    {
        var now = _time.GetTimestamp();
        Volatile.Write(ref _nextProbeAt, now + IntervalTicks(_options.RedisRetryInterval));
        if (Interlocked.CompareExchange(ref _outageStartedAt, Math.Max(now, 1), 0) == 0)
        {
            _logger.RedisUnavailable(_options.WhenRedisUnavailable == RateLimitRedisFailureMode.Allow ? "not at all" : "in memory", error);
        }
    }

    private void RedisAnswered()
    {
        var started = Interlocked.Exchange(ref _outageStartedAt, 0);
        if (started != 0 && _logger.IsEnabled(LogLevel.Information))
        {
            _logger.RedisRecovered(_time.GetElapsedTime(started).TotalSeconds);
        }
    }

    private long IntervalTicks(TimeSpan interval) => (long)(interval.TotalSeconds * _time.TimestampFrequency);
}
