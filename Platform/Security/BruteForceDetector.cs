using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Caching;

namespace Platform.Security;

/// <summary>What one failed attempt did to the brute-force counts.</summary>
/// <param name="AccountFailures">Failures of the account within the window (0 when the account is unknown).</param>
/// <param name="IpFailures">Failures from the address within the window (0 when the address is unknown).</param>
/// <param name="AccountThresholdCrossed">This attempt is the one that made the account's count reach the threshold, for the first time in the window.</param>
/// <param name="IpThresholdCrossed">Likewise for the address.</param>
public sealed record BruteForceAssessment(long AccountFailures, long IpFailures, bool AccountThresholdCrossed, bool IpThresholdCrossed);

/// <summary>
/// Sliding-window counts of failed sign-ins per account and per client address, in Redis, shared by every replica.
/// </summary>
/// <remarks>
/// Each count is a sorted set of attempt times trimmed to the window, so "10 in 10 minutes" means exactly that at
/// any instant, not per fixed slot. Only the newest <c>threshold</c> attempts are kept, which is all the decision
/// needs and bounds the memory an attacker can make Redis spend. A second key per count remembers until when the
/// threshold was last reported, so crossing it reports once per window, not once per attempt. Times come from the
/// <see cref="TimeProvider"/>, so the window follows the platform's clock.
/// </remarks>
public sealed partial class BruteForceDetector(
    RedisClient redis,
    IOptions<SecurityMonitoringOptions> options,
    TimeProvider timeProvider,
    ILogger<BruteForceDetector> logger)
{
    // KEYS: the attempts (sorted set), the quiet-until marker. ARGV: now (ms), window (ms), threshold, a unique member.
    private const string RegisterScript = """
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local threshold = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        redis.call('ZADD', KEYS[1], now, ARGV[4])
        local count = redis.call('ZCARD', KEYS[1])
        if count > threshold then
            redis.call('ZREMRANGEBYRANK', KEYS[1], 0, count - threshold - 1)
            count = threshold
        end
        redis.call('PEXPIRE', KEYS[1], window)
        local crossed = 0
        if count >= threshold then
            local quietUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
            if now >= quietUntil then
                redis.call('SET', KEYS[2], tostring(now + window), 'PX', window)
                crossed = 1
            end
        end
        return {count, crossed}
        """;

    private readonly SecurityMonitoringOptions _options = options.Value;

    /// <summary>
    /// Counts one failed attempt against the account (a user id, or a normalized sign-in name when the account is
    /// unknown) and the address. Throws when Redis is unavailable; <see cref="SecurityEventRecorder"/> catches that.
    /// </summary>
    public async Task<BruteForceAssessment> RegisterFailureAsync(string? accountKey, IPAddress? ip, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        (long Count, bool Crossed) account = (0, false);
        (long Count, bool Crossed) address = (0, false);
        if (accountKey is not null)
        {
            account = await RegisterAsync(AccountKey(accountKey), now, _options.AccountFailureThreshold, _options.BruteForceWindow, cancellationToken).ConfigureAwait(false);
        }

        if (ip is not null)
        {
            address = await RegisterAsync(IpKey(ip), now, _options.IpFailureThreshold, _options.BruteForceWindow, cancellationToken).ConfigureAwait(false);
        }

        return new BruteForceAssessment(account.Count, address.Count, account.Crossed, address.Crossed);
    }

    /// <summary>
    /// Whether failed sign-ins from <paramref name="ip"/> (its /64 for IPv6) reached the threshold within the window,
    /// so the login endpoint should refuse (HTTP 429) before checking a password. False when Redis is unavailable:
    /// account lockout still protects each account, and refusing every sign-in during a cache outage would be worse.
    /// </summary>
    public async Task<bool> IsIpThrottledAsync(IPAddress ip, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ip);
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var windowStart = now - (long)_options.BruteForceWindow.TotalMilliseconds;
        try
        {
            var count = (await redis.ExecuteAsync(
                "ZCOUNT",
                [IpKey(ip), "(" + windowStart.ToString(CultureInfo.InvariantCulture), "+inf"],
                cancellationToken).ConfigureAwait(false)).AsInt64();
            return count >= _options.IpFailureThreshold;
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            LogRedisUnavailable(logger, error);
            return false;
        }
    }

    /// <summary>The account part of the counting key: the user id when known, else the sign-in name, case-folded.</summary>
    public static string? AccountKeyOf(Guid? userId, string? account) =>
        userId is { } id ? "user:" + id.ToString("N")
        : string.IsNullOrWhiteSpace(account) ? null
        : "name:" + account.Trim().ToUpperInvariant();

    /// <summary>Counts one occurrence under <paramref name="key"/>; crossed is true once per window when the count reaches the threshold.</summary>
    internal Task<(long Count, bool Crossed)> RegisterAsync(string key, int threshold, TimeSpan window, CancellationToken cancellationToken) =>
        RegisterAsync(key, timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), threshold, window, cancellationToken);

    private async Task<(long Count, bool Crossed)> RegisterAsync(string key, long now, int threshold, TimeSpan window, CancellationToken cancellationToken)
    {
        var result = (await redis.EvaluateAsync(
            RegisterScript,
            [key, key + ":quiet"],
            [
                now.ToString(CultureInfo.InvariantCulture),
                ((long)window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                Math.Max(1, threshold).ToString(CultureInfo.InvariantCulture),
                now.ToString(CultureInfo.InvariantCulture) + ":" + Guid.NewGuid().ToString("N"),
            ],
            cancellationToken).ConfigureAwait(false)).AsArray();
        return (result[0].AsInt64(), result[1].AsInt64() == 1);
    }

    // Sign-in names are personal data: the key holds a hash, so a Redis dump does not list who was attacked.
    private static string AccountKey(string accountKey) =>
        "security:bf:account:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(accountKey)), 0, 16);

    private static string IpKey(IPAddress ip) => "security:bf:ip:" + IpAddresses.CountingKey(ip);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Brute-force counts unavailable (Redis); the address is not throttled")]
    private static partial void LogRedisUnavailable(ILogger logger, Exception error);
}
