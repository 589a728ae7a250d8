using System.Text;
using System.Threading.Channels;

namespace Platform.Caching;

/// <summary>A message received on a subscribed channel.</summary>
/// <param name="Channel">The channel it was published on.</param>
/// <param name="Payload">The message bytes as published.</param>
public readonly record struct RedisMessage(string Channel, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The payload decoded as UTF-8.</summary>
    public string PayloadText => Encoding.UTF8.GetString(Payload.Span);
}

/// <summary>
/// A live subscription to one channel. Messages arrive on <see cref="Messages"/>; the subscription
/// survives reconnects (the client subscribes again on the new connection; messages published while
/// disconnected are lost, as with any Redis pub/sub). Dispose it to unsubscribe.
/// </summary>
public sealed class RedisSubscription : IAsyncDisposable
{
    /// <summary>Messages kept for a slow reader before the oldest are dropped, so one stuck consumer cannot exhaust memory.</summary>
    public const int BufferCapacity = 10_000;

    private readonly Channel<RedisMessage> _messages = System.Threading.Channels.Channel.CreateBounded<RedisMessage>(
        new BoundedChannelOptions(BufferCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true });

    private readonly Func<RedisSubscription, ValueTask> _unsubscribe;

    internal RedisSubscription(string channel, Func<RedisSubscription, ValueTask> unsubscribe)
    {
        Channel = channel;
        _unsubscribe = unsubscribe;
    }

    /// <summary>The subscribed channel name.</summary>
    public string Channel { get; }

    /// <summary>Messages in arrival order; completes when the subscription or the client is disposed.</summary>
    public ChannelReader<RedisMessage> Messages => _messages.Reader;

    /// <summary>Unsubscribes and completes <see cref="Messages"/>.</summary>
    public ValueTask DisposeAsync() => _unsubscribe(this);

    internal void Deliver(RedisMessage message) => _messages.Writer.TryWrite(message);

    internal void Complete() => _messages.Writer.TryComplete();
}
