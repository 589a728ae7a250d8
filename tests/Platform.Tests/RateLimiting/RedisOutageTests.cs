using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Platform.Caching;
using Platform.RateLimiting;
using Platform.Tests.Caching;
using static Platform.Tests.RateLimiting.TenantRateLimitingTests;

namespace Platform.Tests.RateLimiting;

/// <summary>The documented Redis-down choice: fall back to in-memory limits, warn once, return to Redis.</summary>
[TestClass]
public sealed class RedisOutageTests
{
    [TestMethod]
    public async Task With_Redis_down_requests_are_limited_in_memory_and_Redis_is_used_again_when_it_returns()
    {
        await using var server = await RedisTestServers.StartPrivateAsync("ratelimit-outage");
        var options = server.Options;
        await using var app = await RateLimitedApp.StartAsync(server.ConnectionString, o =>
        {
            o.Anonymous = Policy(3, TimeSpan.FromMinutes(1));
            o.RedisTimeout = TimeSpan.FromMilliseconds(250);
            o.RedisRetryInterval = TimeSpan.FromMilliseconds(200);
        });
        var client = app.Client();
        using (var beforeOutage = await client.SendAsync(RateLimitedApp.Get("/api/things")))
        {
            Assert.AreEqual(HttpStatusCode.OK, beforeOutage.StatusCode);
        }

        await server.StopAsync();
        var duringOutage = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            duringOutage.Add(await client.SendAsync(RateLimitedApp.Get("/api/things")));
        }

        CollectionAssert.AreEqual(
            new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests },
            duringOutage.Select(r => r.StatusCode).ToArray(),
            "the in-memory fallback applies the same limit: no 500, not unlimited");
        Assert.AreEqual("3", Header(duringOutage[^1], "RateLimit-Limit"));
        Assert.IsTrue(duringOutage[^1].Headers.Contains("Retry-After"));
        Assert.AreEqual(RateLimitStore.Memory, app.Rejections.Last().Store);
        Assert.AreEqual(1, UnavailableWarnings(app), "one warning per outage, not one per request");

        await using var restarted = await RedisTestServers.StartPrivateAsync(options.Name, options.Port, options.DataDirectory, options.Password);
        await using var redis = await RedisClient.ConnectAsync(RedisConnectionOptions.Parse(restarted.ConnectionString));
        var key = $"{app.KeyPrefix}:anonymous:127.0.0.1";
        await redis.DeleteAsync(key); // the count from before the outage was saved with the data; start clean to see new writes

        // Memory has spent this address's budget, so until the limiter probes Redis again the answer is 429;
        // once it does, Redis decides (and holds the counter) again.
        var deadline = Stopwatch.StartNew();
        HttpResponseMessage response;
        do
        {
            Assert.IsTrue(deadline.Elapsed < TimeSpan.FromSeconds(20), "the limiter did not return to Redis");
            await Task.Delay(100);
            response = await client.SendAsync(RateLimitedApp.Get("/api/things"));
            Assert.AreNotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        while (response.StatusCode != HttpStatusCode.OK);

        Assert.AreEqual("2", Header(response, "RateLimit-Remaining"), "a fresh Redis budget, not the spent in-memory one");
        Assert.IsNotNull(await redis.GetStringAsync(key), "the count lives in Redis again");
        Assert.AreEqual(1, app.Logs.Entries.Count(e => e.EventId.Id == 1502), "recovery is logged once");
        Assert.AreEqual(1, UnavailableWarnings(app));
    }

    private static int UnavailableWarnings(RateLimitedApp app) =>
        app.Logs.Entries.Count(e => e.EventId.Id == 1501 && e.Level == LogLevel.Warning);
}
