namespace Platform.RateLimiting;

/// <summary>
/// API rate limits, bound from the <c>RateLimiting</c> configuration section. Organizations are limited by
/// their plan (<see cref="Plans"/>); requests without a resolved organization by client address
/// (<see cref="Anonymous"/>); endpoints that carry a named policy (<c>.WithRateLimitPolicy("auth")</c>) by
/// client address under that policy (<see cref="Policies"/>). Counters live in Redis, so every replica
/// shares one budget per organization or address.
/// </summary>
/// <remarks>
/// <para>
/// <b>When Redis is unavailable</b> (down, unreachable, or slower than <see cref="RedisTimeout"/>) the limiter
/// fails <em>open to a per-replica in-memory limiter</em> with the same limits (<see cref="RateLimitRedisFailureMode.InMemory"/>,
/// the default). This is deliberate: failing closed would turn a cache outage into a full API outage, and
/// failing wide open would remove all protection exactly when the platform is degraded. The cost is that
/// during an outage each replica counts on its own, so the effective limit is at most the configured limit
/// times the number of replicas, and budgets start afresh on both sides of the outage. One warning is
/// logged when the outage starts and one message when Redis answers again; while it is down, at most one
/// request per <see cref="RedisRetryInterval"/> tries Redis, the rest go straight to memory, so a dead or
/// hung Redis adds no latency. <see cref="RateLimitRedisFailureMode.Allow"/> lets everything through instead.
/// </para>
/// <para>
/// Defaults: free 120 requests/minute, pro 600, enterprise 3000; anonymous 30/minute per address;
/// <c>auth</c> (sign-in, registration, password reset) 10/minute per address; <c>webhook-test</c> (webhook test
/// events) 10/minute per address; /health and /alive exempt.
/// </para>
/// </remarks>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "RateLimiting";

    /// <summary>The endpoint policy for sign-in, registration and password reset.</summary>
    public const string AuthPolicy = "auth";

    /// <summary>The endpoint policy for sending a webhook test event (each one is a request to the organization's receiver).</summary>
    public const string WebhookTestPolicy = "webhook-test";

    /// <summary>False turns rate limiting off entirely: no counting and no headers.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Limits per organization plan (<c>organizations.plan</c>), case-insensitive. Configuration adds or
    /// overrides entries: <c>RateLimiting:Plans:pro:Limit = 900</c>.
    /// </summary>
    public IDictionary<string, RateLimitPolicy> Plans { get; } = new Dictionary<string, RateLimitPolicy>(StringComparer.OrdinalIgnoreCase)
    {
        ["free"] = new() { Limit = 120, Window = TimeSpan.FromMinutes(1) },
        ["pro"] = new() { Limit = 600, Window = TimeSpan.FromMinutes(1) },
        ["enterprise"] = new() { Limit = 3000, Window = TimeSpan.FromMinutes(1) },
    };

    /// <summary>The plan whose limit applies to an organization with a plan missing from <see cref="Plans"/>.</summary>
    public string DefaultPlan { get; set; } = "free";

    /// <summary>The limit per client address for requests without a resolved organization.</summary>
    public RateLimitPolicy Anonymous { get; set; } = new() { Limit = 30, Window = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// Named policies that endpoints select with <c>.WithRateLimitPolicy(name)</c>; always counted per client
    /// address (they guard entry points such as sign-in against guessing from one source), whether or not
    /// the request carries an organization. Case-insensitive.
    /// </summary>
    public IDictionary<string, RateLimitPolicy> Policies { get; } = new Dictionary<string, RateLimitPolicy>(StringComparer.OrdinalIgnoreCase)
    {
        [AuthPolicy] = new() { Limit = 10, Window = TimeSpan.FromMinutes(1) },
        [WebhookTestPolicy] = new() { Limit = 10, Window = TimeSpan.FromMinutes(1) },
    };

    /// <summary>
    /// Path prefixes that are never limited and get no headers: probes must reach the service whatever a
    /// client's budget. Endpoints can also opt out with <c>.DisableRateLimiting()</c>.
    /// </summary>
    public IList<string> ExemptPaths { get; } = ["/health", "/alive"];

    /// <summary>Prefix of every Redis key (<c>{prefix}:{policy}:{subject}</c>); change it to share one Redis between environments.</summary>
    public string KeyPrefix { get; set; } = "ratelimit";

    /// <summary>
    /// Longest wait for Redis per request before the request is decided by the fallback. Short on purpose:
    /// a rate-limit check must never be what makes a request slow. A reply slower than this counts as an
    /// outage (the fallback then decides for <see cref="RedisRetryInterval"/>), so set it above Redis's
    /// normal worst-case latency, or a busy Redis lets each replica grant up to one extra budget.
    /// </summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>While Redis is unavailable, how often one request tries it again (the others use the fallback).</summary>
    public TimeSpan RedisRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>What decides requests while Redis is unavailable; see the remarks on <see cref="RateLimitOptions"/>.</summary>
    public RateLimitRedisFailureMode WhenRedisUnavailable { get; set; } = RateLimitRedisFailureMode.InMemory;
}

/// <summary>A budget: <see cref="Limit"/> requests per <see cref="Window"/>.</summary>
public sealed class RateLimitPolicy
{
    /// <summary>Requests allowed per window (and at most in one burst).</summary>
    public int Limit { get; set; }

    /// <summary>The window; the budget refills steadily over it (one request every <c>Window / Limit</c>).</summary>
    public TimeSpan Window { get; set; }

    /// <summary>The <c>RateLimit-Policy</c> header value, e.g. <c>120;w=60</c>.</summary>
    public string HeaderValue => FormattableString.Invariant($"{Limit};w={WindowSeconds}");

    /// <summary>The window in whole seconds (rounded up), as the headers express it.</summary>
    public long WindowSeconds => (long)Math.Ceiling(Window.TotalSeconds);

    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"{Limit} per {Window}");
}

/// <summary>What decides requests while Redis is unavailable.</summary>
public enum RateLimitRedisFailureMode
{
    /// <summary>Each replica limits with the same policies in memory (the default): degraded, still protected.</summary>
    InMemory,

    /// <summary>Every request is allowed, without rate-limit headers: availability over protection.</summary>
    Allow,
}
