using System.Diagnostics;
using Platform.Caching;
using TestKit;

namespace Platform.Tests.Caching;

[TestClass]
public sealed class RedisCommandTests
{
    private static readonly string Prefix = $"commands:{Guid.NewGuid():N}:";
    private static RedisClient _client = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => _client = await RedisTestServers.SharedClientAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await _client.DisposeAsync();

    [TestMethod]
    public async Task Get_of_missing_key_returns_null()
    {
        Assert.IsNull(await _client.GetAsync(Prefix + "missing"));
        Assert.IsNull(await _client.GetStringAsync(Prefix + "missing"));
    }

    [TestMethod]
    public async Task Set_then_get_round_trips_every_byte_value()
    {
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("\r\n$-1\r\n"u8.ToArray()).ToArray();

        Assert.IsTrue(await _client.SetAsync(Prefix + "binary", value));

        CollectionAssert.AreEqual(value, await _client.GetAsync(Prefix + "binary"));
    }

    [TestMethod]
    public async Task Set_then_get_round_trips_unicode_text_and_empty_values()
    {
        await _client.SetAsync(Prefix + "text", "héllo wörld ✓");
        await _client.SetAsync(Prefix + "empty", string.Empty);

        Assert.AreEqual("héllo wörld ✓", await _client.GetStringAsync(Prefix + "text"));
        Assert.AreEqual(string.Empty, await _client.GetStringAsync(Prefix + "empty"));
    }

    [TestMethod]
    public async Task Set_with_nx_does_not_overwrite_existing_key()
    {
        var key = Prefix + "nx";

        var first = await _client.SetAsync(key, "first", condition: RedisSetCondition.NotExists);
        var second = await _client.SetAsync(key, "second", condition: RedisSetCondition.NotExists);

        Assert.IsTrue(first);
        Assert.IsFalse(second);
        Assert.AreEqual("first", await _client.GetStringAsync(key));
    }

    [TestMethod]
    public async Task Set_with_xx_writes_only_existing_key()
    {
        var key = Prefix + "xx";

        Assert.IsFalse(await _client.SetAsync(key, "nobody", condition: RedisSetCondition.Exists));
        await _client.SetAsync(key, "one");
        Assert.IsTrue(await _client.SetAsync(key, "two", condition: RedisSetCondition.Exists));

        Assert.AreEqual("two", await _client.GetStringAsync(key));
    }

    [TestMethod]
    public async Task Set_with_whole_seconds_expiry_sets_ttl_in_seconds()
    {
        var key = Prefix + "ex";

        await _client.SetAsync(key, "v", TimeSpan.FromSeconds(100));

        var ttl = (await _client.ExecuteAsync("TTL", [key])).AsInt64();
        Assert.IsTrue(ttl is > 95 and <= 100, $"TTL was {ttl}");
    }

    [TestMethod]
    public async Task Set_with_millisecond_expiry_expires_the_key()
    {
        var key = Prefix + "px";

        await _client.SetAsync(key, "v", TimeSpan.FromMilliseconds(300));
        var pttl = (await _client.ExecuteAsync("PTTL", [key])).AsInt64();
        await Task.Delay(450);

        Assert.IsTrue(pttl is > 0 and <= 300, $"PTTL was {pttl}");
        Assert.IsNull(await _client.GetAsync(key));
    }

    [TestMethod]
    public async Task Delete_removes_several_keys_and_counts_those_that_existed()
    {
        await _client.SetAsync(Prefix + "del1", "1");
        await _client.SetAsync(Prefix + "del2", "2");

        var deleted = await _client.DeleteAsync([Prefix + "del1", Prefix + "del2", Prefix + "del-missing"]);

        Assert.AreEqual(2, deleted);
        Assert.IsNull(await _client.GetAsync(Prefix + "del1"));
        Assert.IsNull(await _client.GetAsync(Prefix + "del2"));
        Assert.IsFalse(await _client.DeleteAsync(Prefix + "del1"));
    }

    [TestMethod]
    public async Task Expire_sets_a_ttl_on_an_existing_key_only()
    {
        var key = Prefix + "expire";
        await _client.SetAsync(key, "v");

        Assert.IsTrue(await _client.ExpireAsync(key, TimeSpan.FromSeconds(30)));
        Assert.IsFalse(await _client.ExpireAsync(Prefix + "expire-missing", TimeSpan.FromSeconds(30)));

        var ttl = (await _client.ExecuteAsync("TTL", [key])).AsInt64();
        Assert.IsTrue(ttl is > 25 and <= 30, $"TTL was {ttl}");
    }

    [TestMethod]
    public async Task Increment_counts_up_by_one_or_by_a_given_amount()
    {
        var key = Prefix + "counter";

        Assert.AreEqual(1, await _client.IncrementAsync(key));
        Assert.AreEqual(2, await _client.IncrementAsync(key));
        Assert.AreEqual(12, await _client.IncrementAsync(key, 10));
        Assert.AreEqual(7, await _client.IncrementAsync(key, -5));
    }

    [TestMethod]
    public async Task Ping_answers_with_a_round_trip_time()
    {
        var roundTrip = await _client.PingAsync();

        Assert.IsTrue(roundTrip > TimeSpan.Zero && roundTrip < TimeSpan.FromSeconds(1));
        Assert.IsTrue(_client.IsConnected);
    }

    [TestMethod]
    public async Task Error_reply_becomes_RedisServerException_with_the_server_message()
    {
        var key = Prefix + "not-a-number";
        await _client.SetAsync(key, "abc");

        var notInteger = await Assert.ThrowsExactlyAsync<RedisServerException>(() => _client.IncrementAsync(key));
        var wrongType = await Assert.ThrowsExactlyAsync<RedisServerException>(() => _client.ExecuteAsync("LPUSH", [key, "x"]));

        Assert.AreEqual("INCR", notInteger.Command);
        Assert.AreEqual("ERR value is not an integer or out of range", notInteger.ServerMessage);
        Assert.AreEqual("WRONGTYPE", wrongType.ErrorCode);
        StringAssert.Contains(wrongType.Message, "LPUSH");
        Assert.AreEqual("abc", await _client.GetStringAsync(key), "the connection stays usable after an error reply");
    }

    [TestMethod]
    public async Task Key_over_the_size_limit_is_rejected_before_anything_is_sent()
    {
        var huge = Prefix + new string('k', RedisClient.MaxKeyBytes);

        var error = await Assert.ThrowsExactlyAsync<ArgumentException>(() => _client.SetAsync(huge, "v"));

        StringAssert.Contains(error.Message, RedisClient.MaxKeyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(0, (await _client.ExecuteAsync("EXISTS", [huge])).AsInt64());
    }

    [TestMethod]
    public async Task Null_or_empty_key_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetAsync(string.Empty));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.DeleteAsync([Prefix + "fine", string.Empty]));
    }

    [TestMethod]
    public async Task Disposed_client_throws_ObjectDisposedException()
    {
        var client = await RedisTestServers.SharedClientAsync();
        await client.DisposeAsync();

        var error = await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => client.GetAsync(Prefix + "any"));

        StringAssert.Contains(error.Message, "disposed");
    }

    [TestMethod]
    public async Task Command_without_a_reply_in_time_fails_with_TimeoutException_naming_it()
    {
        await using var client = await RedisTestServers.SharedClientAsync(o => o.CommandTimeout = TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        // BLPOP on an empty list holds the reply back for a second: longer than the client waits.
        var error = await Assert.ThrowsExactlyAsync<TimeoutException>(() => client.ExecuteAsync("BLPOP", [Prefix + "empty-list", "1"]));

        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        StringAssert.Contains(error.Message, "BLPOP");
    }

    [TestMethod]
    public async Task Wrong_password_fails_with_a_clear_authentication_error()
    {
        var server = await TestEnvironment.RedisAsync();
        var options = RedisConnectionOptions.Parse($"127.0.0.1:{server.Options.Port},password=wrong");

        var error = await Assert.ThrowsExactlyAsync<RedisAuthenticationException>(() => RedisClient.ConnectAsync(options));

        StringAssert.Contains(error.Message, "WRONGPASS");
        StringAssert.Contains(error.Message, $"127.0.0.1:{server.Options.Port}");
    }
}
