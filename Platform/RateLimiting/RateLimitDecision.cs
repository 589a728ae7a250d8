namespace Platform.RateLimiting;

/// <summary>The outcome of one rate-limit check.</summary>
/// <param name="IsAllowed">Whether the request may proceed.</param>
/// <param name="Limit">The policy's limit.</param>
/// <param name="Remaining">Requests still allowed right now (0 when rejected).</param>
/// <param name="ResetAfter">Time until the full budget is available again.</param>
/// <param name="RetryAfter">When rejected, time until one more request will be allowed; zero otherwise.</param>
/// <param name="Store">Which limiter decided.</param>
public readonly record struct RateLimitDecision(
    bool IsAllowed,
    int Limit,
    int Remaining,
    TimeSpan ResetAfter,
    TimeSpan RetryAfter,
    RateLimitStore Store);

/// <summary>Which limiter decided a request.</summary>
public enum RateLimitStore
{
    /// <summary>The shared Redis counter (normal operation).</summary>
    Redis,

    /// <summary>This replica's in-memory fallback, because Redis was unavailable.</summary>
    Memory,

    /// <summary>Nothing: Redis was unavailable and <see cref="RateLimitRedisFailureMode.Allow"/> let the request through.</summary>
    None,
}
