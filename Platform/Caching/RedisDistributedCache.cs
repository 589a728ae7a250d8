using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace Platform.Caching;

/// <summary>
/// <see cref="IDistributedCache"/> over <see cref="RedisClient"/>. Each entry is one Redis string: a
/// 17-byte header (format version, absolute expiry and sliding window in Unix milliseconds) followed by
/// the value. The Redis TTL is always the time left, so Redis itself evicts expired entries; reading or
/// refreshing an entry with a sliding window pushes its TTL forward, never past its absolute expiry.
/// </summary>
public sealed class RedisDistributedCache : IDistributedCache
{
    private const byte FormatVersion = 1;
    private const int HeaderLength = 17;

    private readonly RedisClient _client;
    private readonly TimeProvider _clock;
    private readonly string _prefix;

    /// <summary>Creates the cache over a shared client.</summary>
    public RedisDistributedCache(RedisClient client, IOptions<RedisDistributedCacheOptions> options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _clock = clock ?? TimeProvider.System;
        _prefix = options.Value.KeyPrefix;
    }

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var fullKey = FullKey(key);
        var stored = await _client.GetAsync(fullKey, token);
        if (stored is null || stored.Length < HeaderLength || stored[0] != FormatVersion)
        {
            return null; // absent, or not written by this cache
        }

        var header = Header.Read(stored);
        if (header.IsExpired(_clock.GetUtcNow()))
        {
            return null;
        }

        await SlideAsync(fullKey, header, token);
        return stored[HeaderLength..];
    }

    /// <inheritdoc />
    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var now = _clock.GetUtcNow();
        var absolute = options.AbsoluteExpiration ?? (now + options.AbsoluteExpirationRelativeToNow);
        if (absolute <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), absolute, "The absolute expiration must be in the future.");
        }

        var header = new Header(absolute?.ToUnixTimeMilliseconds() ?? 0, (long)(options.SlidingExpiration?.TotalMilliseconds ?? 0));
        var stored = new byte[HeaderLength + value.Length];
        header.Write(stored);
        value.CopyTo(stored, HeaderLength);
        await _client.SetAsync(FullKey(key), stored, header.TimeToLive(now), RedisSetCondition.Always, token);
    }

    /// <inheritdoc />
    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var fullKey = FullKey(key);

        // Only the header is needed to work out the new TTL, not the value.
        var reply = await _client.RunAsync(
            new RedisCommand("GETRANGE", RedisClient.Key(fullKey), RedisCommand.Arg(0), RedisCommand.Arg(HeaderLength - 1)), token);
        var stored = reply.AsBytes();
        if (stored is { Length: HeaderLength } && stored[0] == FormatVersion)
        {
            await SlideAsync(fullKey, Header.Read(stored), token);
        }
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default) => _client.DeleteAsync(FullKey(key), token);

    // The synchronous members exist for IDistributedCache's older callers; they block on the async path.

    /// <inheritdoc />
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    /// <inheritdoc />
    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    private string FullKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return _prefix + key;
    }

    private async Task SlideAsync(string fullKey, Header header, CancellationToken token)
    {
        if (header.SlidingMilliseconds > 0 && header.TimeToLive(_clock.GetUtcNow()) is { } ttl && ttl > TimeSpan.Zero)
        {
            await _client.ExpireAsync(fullKey, ttl, token);
        }
    }

    /// <summary>Expiry metadata stored in front of the value; 0 means "none".</summary>
    private readonly record struct Header(long AbsoluteUnixMilliseconds, long SlidingMilliseconds)
    {
        public static Header Read(ReadOnlySpan<byte> stored) => new(
            BinaryPrimitives.ReadInt64LittleEndian(stored[1..9]),
            BinaryPrimitives.ReadInt64LittleEndian(stored[9..17]));

        public void Write(Span<byte> stored)
        {
            stored[0] = FormatVersion;
            BinaryPrimitives.WriteInt64LittleEndian(stored[1..9], AbsoluteUnixMilliseconds);
            BinaryPrimitives.WriteInt64LittleEndian(stored[9..17], SlidingMilliseconds);
        }

        public bool IsExpired(DateTimeOffset now) => AbsoluteUnixMilliseconds > 0 && now.ToUnixTimeMilliseconds() >= AbsoluteUnixMilliseconds;

        /// <summary>The sliding window, cut short by the absolute expiry; null when the entry never expires.</summary>
        public TimeSpan? TimeToLive(DateTimeOffset now)
        {
            TimeSpan? untilAbsolute = AbsoluteUnixMilliseconds > 0
                ? TimeSpan.FromMilliseconds(AbsoluteUnixMilliseconds - now.ToUnixTimeMilliseconds())
                : null;
            TimeSpan? sliding = SlidingMilliseconds > 0 ? TimeSpan.FromMilliseconds(SlidingMilliseconds) : null;
            return (untilAbsolute, sliding) switch
            {
                ({ } a, { } s) => a < s ? a : s,
                ({ } a, null) => a,
                (null, { } s) => s,
                _ => null,
            };
        }
    }
}
