using Platform.Caching;

namespace Platform.Tests.Caching;

[TestClass]
public sealed class RedisPubSubTests
{
    private static readonly string Prefix = $"pubsub:{Guid.NewGuid():N}:";

    [TestMethod]
    public async Task Subscriber_receives_messages_published_on_its_channel_in_order()
    {
        await using var client = await RedisTestServers.SharedClientAsync();
        await using var subscription = await client.SubscribeAsync(Prefix + "news");

        var receivers = await client.PublishAsync(Prefix + "news", "first");
        await client.PublishAsync(Prefix + "other", "not for us");
        await client.PublishAsync(Prefix + "news", new byte[] { 0, 1, 2, 255 });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var first = await subscription.Messages.ReadAsync(timeout.Token);
        var second = await subscription.Messages.ReadAsync(timeout.Token);
        Assert.AreEqual(1, receivers);
        Assert.AreEqual(Prefix + "news", first.Channel);
        Assert.AreEqual("first", first.PayloadText);
        CollectionAssert.AreEqual(new byte[] { 0, 1, 2, 255 }, second.Payload.ToArray());
    }

    [TestMethod]
    public async Task Commands_keep_working_while_a_subscription_is_open()
    {
        await using var client = await RedisTestServers.SharedClientAsync();
        await using var subscription = await client.SubscribeAsync(Prefix + "busy");

        await client.SetAsync(Prefix + "key", "value");

        Assert.AreEqual("value", await client.GetStringAsync(Prefix + "key"));
    }

    [TestMethod]
    public async Task Disposed_subscription_stops_receiving_and_completes()
    {
        await using var client = await RedisTestServers.SharedClientAsync();
        var subscription = await client.SubscribeAsync(Prefix + "gone");

        await subscription.DisposeAsync();
        var receivers = await client.PublishAsync(Prefix + "gone", "anyone?");

        Assert.AreEqual(0, receivers);
        Assert.IsTrue(subscription.Messages.Completion.IsCompleted);
    }
}
