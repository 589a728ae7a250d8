using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Platform.Caching;

namespace Platform.Tests.Caching;

[TestClass]
public sealed class RedisDistributedCacheTests
{
    private static RedisClient _client = null!;
    private static RedisDistributedCache _cache = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _client = await RedisTestServers.SharedClientAsync();
        _cache = new RedisDistributedCache(_client, Options.Create(new RedisDistributedCacheOptions { KeyPrefix = $"cache:{Guid.NewGuid():N}:" }));
    }

    [ClassCleanup]
    public static async Task StopAsync() => await _client.DisposeAsync();

    [TestMethod]
    public async Task Set_then_get_returns_the_value_and_remove_deletes_it()
    {
        await _cache.SetStringAsync("greeting", "hello");

        Assert.AreEqual("hello", await _cache.GetStringAsync("greeting"));
        await _cache.RemoveAsync("greeting");
        Assert.IsNull(await _cache.GetAsync("greeting"));
    }

    [TestMethod]
    public void Synchronous_members_work_too()
    {
        _cache.Set("sync", [1, 2, 3], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
        _cache.Refresh("sync");

        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, _cache.Get("sync"));
        _cache.Remove("sync");
        Assert.IsNull(_cache.Get("sync"));
    }

    [TestMethod]
    public async Task Key_prefix_isolates_entries()
    {
        var other = new RedisDistributedCache(_client, Options.Create(new RedisDistributedCacheOptions { KeyPrefix = $"cache-other:{Guid.NewGuid():N}:" }));

        await _cache.SetStringAsync("shared-name", "mine");

        Assert.IsNull(await other.GetAsync("shared-name"));
    }

    [TestMethod]
    public async Task Absolute_expiration_relative_to_now_removes_the_entry()
    {
        await _cache.SetAsync("relative", Encoding.UTF8.GetBytes("v"), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1) });

        Assert.IsNotNull(await _cache.GetAsync("relative"));
        await Task.Delay(1200);
        Assert.IsNull(await _cache.GetAsync("relative"));
    }

    [TestMethod]
    public async Task Absolute_expiration_date_removes_the_entry()
    {
        await _cache.SetAsync("absolute", [42], new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddSeconds(1) });

        Assert.IsNotNull(await _cache.GetAsync("absolute"));
        await Task.Delay(1200);
        Assert.IsNull(await _cache.GetAsync("absolute"));
    }

    [TestMethod]
    public async Task Absolute_expiration_in_the_past_is_rejected()
    {
        await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() =>
            _cache.SetAsync("past", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddSeconds(-1) }));
    }

    [TestMethod]
    public async Task Sliding_expiration_is_extended_by_reads_and_ends_once_idle()
    {
        await _cache.SetAsync("sliding", [7], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(1) });

        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(600);
            Assert.IsNotNull(await _cache.GetAsync("sliding"), $"read {i + 1}: each read came within the 1 s window of the previous one");
        }

        await Task.Delay(1200);
        Assert.IsNull(await _cache.GetAsync("sliding"));
    }

    [TestMethod]
    public async Task Refresh_extends_sliding_expiration_without_reading_the_value()
    {
        await _cache.SetAsync("refresh", [7], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(1) });

        await Task.Delay(700);
        await _cache.RefreshAsync("refresh");
        await Task.Delay(700);

        Assert.IsNotNull(await _cache.GetAsync("refresh"));
    }

    [TestMethod]
    public async Task Sliding_expiration_never_outlives_the_absolute_expiration()
    {
        await _cache.SetAsync("capped", [7], new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromSeconds(1),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(1.5),
        });

        await Task.Delay(700);
        Assert.IsNotNull(await _cache.GetAsync("capped"));
        await Task.Delay(600);
        await _cache.RefreshAsync("capped");
        await Task.Delay(400);

        Assert.IsNull(await _cache.GetAsync("capped"));
    }
}
