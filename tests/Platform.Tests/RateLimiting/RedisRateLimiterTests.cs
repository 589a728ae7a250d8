using System.Net;
using Microsoft.Extensions.Options;
using Platform.Caching;
using Platform.RateLimiting;
using Platform.Tests.Caching;
using static Platform.Tests.RateLimiting.TenantRateLimitingTests;

namespace Platform.Tests.RateLimiting;

/// <summary>The limiter and its script directly against the shared test Redis.</summary>
[TestClass]
public sealed class RedisRateLimiterTests
{
    [TestMethod]
    public async Task A_counter_key_expires_once_its_budget_is_whole_again()
    {
        await using var redis = await RedisTestServers.SharedClientAsync();
        var prefix = $"ratelimit-test-{Guid.NewGuid():N}";
        using var limiter = new RedisRateLimiter(redis, Options.Create(new RateLimitOptions { KeyPrefix = prefix }));

        var decision = await limiter.AcquireAsync("organization", Policy(10, TimeSpan.FromMinutes(1)), "subject");
        var ttl = (await redis.ExecuteAsync("PTTL", [$"{prefix}:organization:subject"])).AsInt64();

        Assert.IsTrue(decision.IsAllowed);
        Assert.AreEqual(RateLimitStore.Redis, decision.Store);
        Assert.AreEqual(9, decision.Remaining);
        Assert.IsTrue(ttl is > 0 and <= 6_000, $"one request's share of the window (6 s), not forever: PTTL {ttl}");
    }

    [TestMethod]
    public async Task A_rejected_request_is_told_when_the_next_one_fits()
    {
        await using var redis = await RedisTestServers.SharedClientAsync();
        using var limiter = new RedisRateLimiter(redis, Options.Create(new RateLimitOptions { KeyPrefix = $"ratelimit-test-{Guid.NewGuid():N}" }));
        var policy = Policy(2, TimeSpan.FromMinutes(1));
        await limiter.AcquireAsync("anonymous", policy, "10.0.0.1");
        await limiter.AcquireAsync("anonymous", policy, "10.0.0.1");

        var rejected = await limiter.AcquireAsync("anonymous", policy, "10.0.0.1");

        Assert.IsFalse(rejected.IsAllowed);
        Assert.AreEqual(0, rejected.Remaining);
        Assert.IsTrue(rejected.RetryAfter > TimeSpan.Zero && rejected.RetryAfter <= TimeSpan.FromSeconds(30), $"retry after {rejected.RetryAfter}");
        Assert.IsTrue(rejected.ResetAfter > TimeSpan.FromSeconds(30) && rejected.ResetAfter <= TimeSpan.FromMinutes(1), $"reset after {rejected.ResetAfter}");
    }

    [TestMethod]
    public async Task With_Redis_unreachable_and_the_Allow_mode_every_request_passes_without_counting()
    {
        // Nothing listens on this port: every attempt fails at once.
        var options = RedisConnectionOptions.Parse($"127.0.0.1:{AppHost.Hosting.Provisioning.PortGuard.GetFreePort()},password=x");
        await using var redis = new RedisClient(options);
        using var limiter = new RedisRateLimiter(redis, Options.Create(new RateLimitOptions { WhenRedisUnavailable = RateLimitRedisFailureMode.Allow }));
        var policy = Policy(1, TimeSpan.FromMinutes(1));

        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 3; i++)
        {
            decisions.Add(await limiter.AcquireAsync("anonymous", policy, "10.0.0.1"));
        }

        Assert.IsTrue(decisions.All(d => d.IsAllowed && d.Store == RateLimitStore.None));
        Assert.IsFalse(limiter.IsRedisAvailable);
    }

    [TestMethod]
    [DataRow("203.0.113.7", "203.0.113.7")]
    [DataRow("::ffff:203.0.113.7", "203.0.113.7")]
    [DataRow("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [DataRow("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void Client_addresses_are_keyed_by_IPv4_address_or_IPv6_64_block(string address, string subject) =>
        Assert.AreEqual(subject, TenantRateLimitingMiddleware.ClientSubject(IPAddress.Parse(address)));

    [TestMethod]
    public void The_policy_header_names_the_limit_and_the_window_in_seconds() =>
        Assert.AreEqual("600;w=60", Policy(600, TimeSpan.FromMinutes(1)).HeaderValue);
}
