using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Caching;

/// <summary>
/// A small Redis client: one multiplexed, pipelined connection shared by all callers (thread-safe; register
/// it as a singleton), AUTH and TLS for Azure, per-command timeouts, and automatic reconnects. Pub/sub
/// uses a second, dedicated connection opened on the first subscription.
/// </summary>
/// <remarks>
/// Keys must be non-empty and at most <see cref="MaxKeyBytes"/> bytes of UTF-8; longer keys are almost
/// always a bug (a serialized object used as a key) and are rejected before anything is sent.
/// </remarks>
public sealed partial class RedisClient : IAsyncDisposable, IDisposable
{
    /// <summary>Largest accepted key, in UTF-8 bytes (16 KiB).</summary>
    public const int MaxKeyBytes = 16 * 1024;

    private readonly ResilientRedisConnection _commands;
    private readonly ConcurrentDictionary<string, string> _scriptHashes = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private int _disposed;

    /// <summary>Creates the client; it connects on first use.</summary>
    public RedisClient(RedisConnectionOptions options, ILogger<RedisClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _commands = new ResilientRedisConnection(options, _logger);
        _subscriber = new Lazy<ResilientRedisConnection>(
            () => new ResilientRedisConnection(options, _logger, OnPush, ResubscribeAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The settings this client uses.</summary>
    public RedisConnectionOptions Options { get; }

    /// <summary>True while the command connection is open.</summary>
    public bool IsConnected => _commands.IsConnected;

    /// <summary>Creates a client and waits for its first connection, so a bad address or password fails here.</summary>
    public static async Task<RedisClient> ConnectAsync(RedisConnectionOptions options, ILogger<RedisClient>? logger = null, CancellationToken cancellationToken = default)
    {
        var client = new RedisClient(options, logger);
        try
        {
            await client.PingAsync(cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>PING; returns the round-trip time.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await RunAsync(new RedisCommand("PING"), cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>GET; the value's bytes, or null if the key does not exist.</summary>
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        (await RunAsync(new RedisCommand("GET", Key(key)), cancellationToken)).AsBytes();

    /// <summary>GET decoded as UTF-8; null if the key does not exist.</summary>
    public async Task<string?> GetStringAsync(string key, CancellationToken cancellationToken = default) =>
        (await RunAsync(new RedisCommand("GET", Key(key)), cancellationToken)).AsString();

    /// <summary>
    /// SET with an optional expiry (sent as EX for whole seconds, PX otherwise) and condition (NX/XX).
    /// Returns whether the value was written (false when the condition was not met).
    /// </summary>
    public async Task<bool> SetAsync(
        string key,
        ReadOnlyMemory<byte> value,
        TimeSpan? expiry = null,
        RedisSetCondition condition = RedisSetCondition.Always,
        CancellationToken cancellationToken = default)
    {
        var arguments = new List<ReadOnlyMemory<byte>>(5) { Key(key), value };
        if (expiry is { } ttl)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(expiry));
            var wholeSeconds = ttl.Ticks % TimeSpan.TicksPerSecond == 0;
            arguments.Add(RedisCommand.Arg(wholeSeconds ? "EX" : "PX"));
            arguments.Add(RedisCommand.Arg(wholeSeconds ? (long)ttl.TotalSeconds : Math.Max(1, (long)ttl.TotalMilliseconds)));
        }

        if (condition != RedisSetCondition.Always)
        {
            arguments.Add(RedisCommand.Arg(condition == RedisSetCondition.NotExists ? "NX" : "XX"));
        }

        var reply = await RunAsync(new RedisCommand("SET", [.. arguments]), cancellationToken);
        return !reply.IsNull;
    }

    /// <summary>SET of a UTF-8 string; see <see cref="SetAsync(string, ReadOnlyMemory{byte}, TimeSpan?, RedisSetCondition, CancellationToken)"/>.</summary>
    public Task<bool> SetAsync(
        string key,
        string value,
        TimeSpan? expiry = null,
        RedisSetCondition condition = RedisSetCondition.Always,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetAsync(key, Encoding.UTF8.GetBytes(value), expiry, condition, cancellationToken);
    }

    /// <summary>DEL of one key; true if it existed.</summary>
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        (await RunAsync(new RedisCommand("DEL", Key(key)), cancellationToken)).AsInt64() == 1;

    /// <summary>DEL of several keys in one command; returns how many existed.</summary>
    public async Task<long> DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var arguments = keys.Select(k => Key(k, nameof(keys))).ToArray();
        ArgumentOutOfRangeException.ThrowIfZero(arguments.Length, nameof(keys));
        return (await RunAsync(new RedisCommand("DEL", arguments), cancellationToken)).AsInt64();
    }

    /// <summary>EXPIRE (PEXPIRE for sub-second precision); false if the key does not exist.</summary>
    public async Task<bool> ExpireAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        var command = timeToLive.Ticks % TimeSpan.TicksPerSecond == 0
            ? new RedisCommand("EXPIRE", Key(key), RedisCommand.Arg((long)timeToLive.TotalSeconds))
            : new RedisCommand("PEXPIRE", Key(key), RedisCommand.Arg(Math.Max(1, (long)timeToLive.TotalMilliseconds)));
        return (await RunAsync(command, cancellationToken)).AsInt64() == 1;
    }

    /// <summary>INCR (or INCRBY when <paramref name="by"/> is not 1); returns the new value.</summary>
    public async Task<long> IncrementAsync(string key, long by = 1, CancellationToken cancellationToken = default)
    {
        var command = by == 1
            ? new RedisCommand("INCR", Key(key))
            : new RedisCommand("INCRBY", Key(key), RedisCommand.Arg(by));
        return (await RunAsync(command, cancellationToken)).AsInt64();
    }

    /// <summary>
    /// Runs a Lua script by its SHA (EVALSHA), loading it first (SCRIPT LOAD) when this client has not yet,
    /// and again when the server answers NOSCRIPT (after a restart or SCRIPT FLUSH).
    /// </summary>
    public async Task<RespValue> EvaluateAsync(
        string script,
        IReadOnlyList<string>? keys = null,
        IReadOnlyList<string>? arguments = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(script);
        keys ??= [];
        arguments ??= [];
        var tail = new List<ReadOnlyMemory<byte>>(keys.Count + arguments.Count + 1) { RedisCommand.Arg(keys.Count) };
        tail.AddRange(keys.Select(k => Key(k, nameof(keys))));
        tail.AddRange(arguments.Select(RedisCommand.Arg));

        var sha = _scriptHashes.TryGetValue(script, out var known) ? known : await LoadScriptAsync(script, cancellationToken);
        try
        {
            return await RunAsync(new RedisCommand("EVALSHA", [RedisCommand.Arg(sha), .. tail]), cancellationToken);
        }
        catch (RedisServerException error) when (error.ErrorCode == "NOSCRIPT")
        {
            sha = await LoadScriptAsync(script, cancellationToken);
            return await RunAsync(new RedisCommand("EVALSHA", [RedisCommand.Arg(sha), .. tail]), cancellationToken);
        }
    }

    /// <summary>PUBLISH; returns how many subscribers received the message.</summary>
    public async Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default) =>
        (await RunAsync(new RedisCommand("PUBLISH", Key(channel, nameof(channel)), message), cancellationToken)).AsInt64();

    /// <summary>PUBLISH of a UTF-8 string.</summary>
    public Task<long> PublishAsync(string channel, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PublishAsync(channel, Encoding.UTF8.GetBytes(message), cancellationToken);
    }

    /// <summary>
    /// Any other command, for operations this client has no method for (e.g. <c>TTL</c>, <c>SCRIPT FLUSH</c>).
    /// Arguments are sent as UTF-8; keys are not validated.
    /// </summary>
    public Task<RespValue> ExecuteAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(arguments);
        return RunAsync(new RedisCommand(command, [.. arguments.Select(RedisCommand.Arg)]), cancellationToken);
    }

    /// <summary>Closes both connections; pending commands fail and later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _commands.DisposeAsync();
        if (_subscriber.IsValueCreated)
        {
            await _subscriber.Value.DisposeAsync();
        }

        foreach (var subscriptions in _subscriptions.Values)
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Complete();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal Task<RespValue> RunAsync(RedisCommand command, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _commands.ExecuteAsync(command, cancellationToken);
    }

    /// <summary>Validates a key and encodes it; the checks run before anything is sent.</summary>
    internal static ReadOnlyMemory<byte> Key(string key, string parameterName = "key")
    {
        ArgumentException.ThrowIfNullOrEmpty(key, parameterName);
        var length = Encoding.UTF8.GetByteCount(key);
        if (length > MaxKeyBytes)
        {
            throw new ArgumentException(
                $"The Redis key is {length} bytes long; the limit is {MaxKeyBytes} bytes (RedisClient.MaxKeyBytes). Hash long identifiers into a shorter key.",
                parameterName);
        }

        return Encoding.UTF8.GetBytes(key);
    }

    private async Task<string> LoadScriptAsync(string script, CancellationToken cancellationToken)
    {
        var sha = (await RunAsync(new RedisCommand("SCRIPT", RedisCommand.Arg("LOAD"), RedisCommand.Arg(script)), cancellationToken)).AsString()!;
        _scriptHashes[script] = sha;
        return sha;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new ObjectDisposedException(nameof(RedisClient), $"The Redis client for {Options.EndPoint} has been disposed; it cannot send commands any more.");
        }
    }
}
