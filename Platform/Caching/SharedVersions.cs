using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Platform.Caching;

/// <summary>
/// Version counters kept in Redis that every replica reads on its hot path (is my cached copy of this
/// organization's permissions or IP rules still current?), without a Redis round trip per request.
/// </summary>
/// <remarks>
/// <para>A replica re-reads a counter from Redis at most once per <see cref="Freshness"/>. A bump increments the
/// counter and publishes the new value on <see cref="Channel"/> in the same script, so every replica that is
/// subscribed learns it within milliseconds; a message lost to a reconnect only delays it until the next read,
/// at most <see cref="Freshness"/> later.</para>
/// <para>A missing counter (evicted, or Redis restarted without persistence) is re-created from the clock
/// rather than from 0, so it never falls back onto a version whose cached entries may still exist.</para>
/// <para>Redis failures surface as exceptions (see <see cref="RedisException"/>); callers decide how to degrade.</para>
/// </remarks>
public sealed partial class SharedVersions : IAsyncDisposable
{
    /// <summary>The pub/sub channel that carries bumps as <c>{key} {version}</c>.</summary>
    public const string Channel = "platform:versions";

    /// <summary>The longest a replica trusts a counter it has not heard about.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private const string ReadScript = """
        local version = redis.call('GET', KEYS[1])
        if not version then
            redis.call('SET', KEYS[1], ARGV[1], 'NX')
            version = redis.call('GET', KEYS[1])
        end
        return version
        """;

    private const string BumpScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
            redis.call('SET', KEYS[1], ARGV[1])
        end
        redis.call('INCR', KEYS[1])
        -- Read back as text: Lua numbers are doubles, which cannot hold clock-seeded counters exactly.
        local version = redis.call('GET', KEYS[1])
        redis.call('PUBLISH', ARGV[2], KEYS[1] .. ' ' .. version)
        return version
        """;

    private readonly RedisClient _redis;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lazy<Task> _listening;
    private readonly TaskCompletionSource _firstSubscribeAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SharedVersions(RedisClient redis, TimeProvider clock, ILogger<SharedVersions> logger)
    {
        _redis = redis;
        _clock = clock;
        _logger = logger;
        _listening = new Lazy<Task>(() => Task.Run(ListenAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The counter's current value, from memory when it was read or announced within <see cref="Freshness"/>.</summary>
    public async ValueTask<long> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!_firstSubscribeAttempt.Task.IsCompleted)
        {
            // Subscribed before the first read: a bump announced after it cannot be missed.
            _ = _listening.Value;
            await _firstSubscribeAttempt.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var now = _clock.GetTimestamp();
        if (_entries.TryGetValue(key, out var entry) && _clock.GetElapsedTime(entry.CheckedAt, now) < Freshness)
        {
            return entry.Version;
        }

        var version = (await _redis.EvaluateAsync(ReadScript, [key], [ClockSeed()], cancellationToken).ConfigureAwait(false)).AsInt64();
        Remember(key, version, now);
        return version;
    }

    /// <summary>Moves the counter on and tells every replica; returns the new value.</summary>
    public async Task<long> BumpAsync(string key, CancellationToken cancellationToken = default)
    {
        var version = (await _redis.EvaluateAsync(BumpScript, [key], [ClockSeed(), Channel], cancellationToken).ConfigureAwait(false)).AsInt64();
        Remember(key, version, _clock.GetTimestamp());
        return version;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_listening.IsValueCreated)
        {
            await _listening.Value.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    // Counters only move forward, so an announcement that arrives after a newer read changes nothing.
    private void Remember(string key, long version, long checkedAt) =>
        _entries.AddOrUpdate(
            key,
            static (_, state) => new Entry(state.version, state.checkedAt),
            static (_, existing, state) => new Entry(Math.Max(existing.Version, state.version), state.checkedAt),
            (version, checkedAt));

    private async Task ListenAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                // The client subscribes again by itself after a reconnect; this loop only covers the first subscribe failing.
                await using var subscription = await _redis.SubscribeAsync(Channel, _stopping.Token).ConfigureAwait(false);
                _firstSubscribeAttempt.TrySetResult();
                await foreach (var message in subscription.Messages.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
                {
                    var text = message.PayloadText;
                    var space = text.LastIndexOf(' ');
                    if (space > 0 && long.TryParse(text.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                    {
                        Remember(text[..space], version, _clock.GetTimestamp());
                    }
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                _firstSubscribeAttempt.TrySetResult();
                return;
            }
            catch (Exception error) when (error is RedisException or TimeoutException or IOException or ObjectDisposedException)
            {
                LogListenFailed(_logger, error);
                _firstSubscribeAttempt.TrySetResult();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), _clock, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // 100 ns ticks: a re-created counter lands past every value handed out before, short of ten million bumps a second.
    private string ClockSeed() => _clock.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not subscribed to version announcements (Redis); versions are re-read at most a second late meanwhile")]
    private static partial void LogListenFailed(ILogger logger, Exception error);

    private readonly record struct Entry(long Version, long CheckedAt);
}
