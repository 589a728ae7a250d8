using System.Diagnostics;
using Platform.Caching;

namespace Platform.Tests.Caching;

/// <summary>Each test runs its own redis-server so it can stop and restart it.</summary>
[TestClass]
public sealed class RedisReconnectTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(1);

    [TestMethod]
    public async Task Client_recovers_after_the_server_restarts()
    {
        await using var server = await RedisTestServers.StartPrivateAsync("redis-restart");
        var options = server.Options;
        await using var client = await ConnectAsync(server.ConnectionString);
        await client.SetAsync("restart:key", "kept across the restart");

        await server.StopAsync();
        await using var restarted = await RedisTestServers.StartPrivateAsync(options.Name, options.Port, options.DataDirectory, options.Password);

        var value = await EventuallyAsync(() => client.GetStringAsync("restart:key"));
        Assert.AreEqual("kept across the restart", value);
        Assert.AreEqual(1, await client.IncrementAsync("restart:counter"));
        Assert.IsTrue(client.IsConnected);
    }

    [TestMethod]
    public async Task Commands_while_the_server_is_down_fail_with_a_connection_error_within_the_timeout()
    {
        await using var server = await RedisTestServers.StartPrivateAsync("redis-down");
        var options = server.Options;
        await using var client = await ConnectAsync(server.ConnectionString);
        await client.PingAsync();

        await server.StopAsync();
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsExactlyAsync<RedisConnectionException>(() => client.GetAsync("down:key"));
        watch.Stop();

        Assert.IsTrue(watch.Elapsed < CommandTimeout + TimeSpan.FromSeconds(1), $"failed after {watch.Elapsed}");
        StringAssert.Contains(error.Message, "GET");
        StringAssert.Contains(error.Message, $"127.0.0.1:{options.Port}");

        await using var restarted = await RedisTestServers.StartPrivateAsync(options.Name, options.Port, options.DataDirectory, options.Password);
        Assert.IsTrue(await EventuallyAsync(() => client.SetAsync("down:key", "back")));
    }

    [TestMethod]
    public async Task Command_waiting_for_a_reply_fails_promptly_when_the_connection_drops()
    {
        await using var server = await RedisTestServers.StartPrivateAsync("redis-drop");
        await using var client = await ConnectAsync(server.ConnectionString, commandTimeout: TimeSpan.FromSeconds(10));

        // The server holds BLPOP's reply for 10 s; the drop must fail it long before that.
        var blocked = client.ExecuteAsync("BLPOP", ["drop:list", "10"]);
        await Task.Delay(100);
        var watch = Stopwatch.StartNew();
        await server.StopAsync();
        var error = await Assert.ThrowsExactlyAsync<RedisConnectionException>(() => blocked);

        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(3), $"failed after {watch.Elapsed}");
        StringAssert.Contains(error.Message, "BLPOP");
        StringAssert.Contains(error.Message, "lost");
    }

    [TestMethod]
    public async Task Subscription_receives_messages_again_after_the_server_restarts()
    {
        await using var server = await RedisTestServers.StartPrivateAsync("redis-pubsub");
        var options = server.Options;
        await using var client = await ConnectAsync(server.ConnectionString);
        await using var subscription = await client.SubscribeAsync("events");
        await client.PublishAsync("events", "before");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.AreEqual("before", (await subscription.Messages.ReadAsync(timeout.Token)).PayloadText);

        await server.StopAsync();
        await using var restarted = await RedisTestServers.StartPrivateAsync(options.Name, options.Port, options.DataDirectory, options.Password);

        // PUBLISH counts receivers: once it reaches 1 the client has subscribed again on its new connection.
        await EventuallyAsync(async () => await client.PublishAsync("events", "after") == 1 ? true : throw new RedisConnectionException("not subscribed yet"));
        Assert.AreEqual("after", (await subscription.Messages.ReadAsync(timeout.Token)).PayloadText);
    }

    private static Task<RedisClient> ConnectAsync(string connectionString, TimeSpan? commandTimeout = null)
    {
        var options = RedisConnectionOptions.Parse(connectionString);
        options.CommandTimeout = commandTimeout ?? CommandTimeout;
        options.ReconnectMinDelay = TimeSpan.FromMilliseconds(50);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(500);
        return RedisClient.ConnectAsync(options);
    }

    /// <summary>Retries while the client reconnects, for at most 10 s.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> action)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await action();
            }
            catch (RedisConnectionException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }
        }
    }
}
