using System.Collections.Concurrent;
using System.Text;

namespace Platform.Caching;

public sealed partial class RedisClient
{
    // Subscribed connections cannot run ordinary commands, so pub/sub gets its own connection.
    private readonly Lazy<ResilientRedisConnection> _subscriber;
    private readonly ConcurrentDictionary<string, RedisSubscription[]> _subscriptions = new(StringComparer.Ordinal);
    private readonly Lock _subscriptionGate = new();

    /// <summary>
    /// SUBSCRIBE to a channel on the dedicated pub/sub connection. Returns once the server has confirmed
    /// the subscription, so messages published afterwards are delivered.
    /// </summary>
    public async Task<RedisSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        var name = Key(channel, nameof(channel));
        ThrowIfDisposed();
        var subscription = new RedisSubscription(channel, UnsubscribeAsync);
        lock (_subscriptionGate)
        {
            _subscriptions[channel] = [.. _subscriptions.GetValueOrDefault(channel, []), subscription];
        }

        try
        {
            await _subscriber.Value.ExecuteAsync(new RedisCommand("SUBSCRIBE", name), cancellationToken);
            return subscription;
        }
        catch
        {
            await UnsubscribeAsync(subscription);
            throw;
        }
    }

    private async ValueTask UnsubscribeAsync(RedisSubscription subscription)
    {
        subscription.Complete();
        bool lastOnChannel;
        lock (_subscriptionGate)
        {
            var remaining = _subscriptions.GetValueOrDefault(subscription.Channel, []).Where(s => s != subscription).ToArray();
            lastOnChannel = remaining.Length == 0;
            if (lastOnChannel)
            {
                _subscriptions.TryRemove(subscription.Channel, out _);
            }
            else
            {
                _subscriptions[subscription.Channel] = remaining;
            }
        }

        if (!lastOnChannel || Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        try
        {
            await _subscriber.Value.ExecuteAsync(new RedisCommand("UNSUBSCRIBE", RedisCommand.Arg(subscription.Channel)), CancellationToken.None);
        }
        catch (Exception error) when (error is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Best effort: messages for a channel nobody listens to are dropped anyway.
            _logger.UnsubscribeFailed(subscription.Channel, error);
        }
    }

    /// <summary>Routes <c>message</c> pushes to subscribers; other replies (confirmations) go to the waiting command.</summary>
    private bool OnPush(RespValue value)
    {
        var items = value.AsArray();
        if (items.Count != 3 || items[0].Type != RespType.BulkString || !"message"u8.SequenceEqual(items[0].AsBytes()))
        {
            return false;
        }

        var channel = items[1].AsString()!;
        if (_subscriptions.TryGetValue(channel, out var subscribers))
        {
            var message = new RedisMessage(channel, items[2].AsBytes() ?? []);
            foreach (var subscriber in subscribers)
            {
                subscriber.Deliver(message);
            }
        }

        return true;
    }

    /// <summary>After a reconnect, subscribes again to every channel before the connection is used.</summary>
    private async Task ResubscribeAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        var replies = _subscriptions.Keys
            .Select(channel => connection.ExecuteAsync(new RedisCommand("SUBSCRIBE", Encoding.UTF8.GetBytes(channel)), cancellationToken))
            .ToList();
        await Task.WhenAll(replies);
    }
}
