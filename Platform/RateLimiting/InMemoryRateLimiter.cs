using System.Threading.RateLimiting;

namespace Platform.RateLimiting;

/// <summary>
/// The per-replica fallback used while Redis is unavailable: a fixed window per key with the same limit
/// and window as the Redis policy. Partitions idle for a while are dropped by
/// <see cref="PartitionedRateLimiter"/> itself, so keys do not accumulate.
/// </summary>
internal sealed class InMemoryRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<Bucket> _limiter = PartitionedRateLimiter.Create<Bucket, string>(bucket =>
        RateLimitPartition.GetFixedWindowLimiter(bucket.PartitionKey, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = bucket.Policy.Limit,
            Window = bucket.Policy.Window,
            QueueLimit = 0,
        }));

    public RateLimitDecision Acquire(string key, RateLimitPolicy policy)
    {
        // The limit is part of the partition: a changed plan gets a limiter with the new numbers.
        var bucket = new Bucket(FormattableString.Invariant($"{key}|{policy.Limit}|{policy.Window.Ticks}"), policy);
        using var lease = _limiter.AttemptAcquire(bucket);
        var remaining = (int)Math.Max(0, _limiter.GetStatistics(bucket)?.CurrentAvailablePermits ?? 0);

        // A fixed window does not say when it started; its length is the honest upper bound.
        if (lease.IsAcquired)
        {
            return new RateLimitDecision(true, policy.Limit, remaining, policy.Window, TimeSpan.Zero, RateLimitStore.Memory);
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : policy.Window;
        return new RateLimitDecision(false, policy.Limit, 0, retryAfter, retryAfter, RateLimitStore.Memory);
    }

    public void Dispose() => _limiter.Dispose();

    private readonly record struct Bucket(string PartitionKey, RateLimitPolicy Policy);
}
