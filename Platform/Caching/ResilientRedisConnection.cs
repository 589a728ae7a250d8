using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Platform.Caching;

/// <summary>
/// Keeps one <see cref="RedisConnection"/> open: connects on first use, and when the connection drops
/// reconnects in the background with exponential back-off and jitter. Callers that arrive while it is
/// down wait for the next connection, but never longer than the command timeout.
/// </summary>
internal sealed class ResilientRedisConnection : IAsyncDisposable
{
    private readonly RedisConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly Func<RespValue, bool>? _onPush;
    private readonly Func<RedisConnection, CancellationToken, Task>? _onConnected;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private TaskCompletionSource<RedisConnection> _ready = NewReady();
    private TaskCompletionSource<Exception> _attemptFailed = NewAttemptFailed();
    private RedisConnection? _current;
    private Exception? _lastError;
    private Task _loop = Task.CompletedTask;
    private int _started;

    public ResilientRedisConnection(
        RedisConnectionOptions options,
        ILogger logger,
        Func<RespValue, bool>? onPush = null,
        Func<RedisConnection, CancellationToken, Task>? onConnected = null)
    {
        _options = options;
        _logger = logger;
        _onPush = onPush;
        _onConnected = onConnected;
    }

    public bool IsConnected => _current is { IsAlive: true };

    /// <summary>Sends the command and awaits its reply within the command timeout.</summary>
    public async Task<RespValue> ExecuteAsync(RedisCommand command, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var connection = await GetConnectionAsync(command.Name, started, cancellationToken);
            if (connection.TryEnqueue(command))
            {
                break;
            }

            // It died between the lookup and the enqueue; nothing was sent, so the next connection may take it.
        }

        var remaining = _options.CommandTimeout - Stopwatch.GetElapsedTime(started);
        try
        {
            return await command.Task.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken);
        }
        catch (TimeoutException)
        {
            command.TrySetCanceled(CancellationToken.None);
            throw new TimeoutException(
                $"Redis command {command.Name} got no reply from {_options.EndPoint} within {_options.CommandTimeout.TotalMilliseconds:0} ms (command timeout).");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            command.TrySetCanceled(cancellationToken);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        RedisConnection? current;
        lock (_gate)
        {
            _disposed.Cancel();
            current = _current;
            _ready.TrySetException(Disposed());
        }

        if (current is not null)
        {
            await current.DisposeAsync();
        }

        await _loop;
        _disposed.Dispose();
    }

    private async Task<RedisConnection> GetConnectionAsync(string commandName, long started, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _loop = Task.Run(KeepConnectedAsync, CancellationToken.None);
        }

        while (true)
        {
            Task<RedisConnection> ready;
            Task<Exception> attemptFailed;
            lock (_gate)
            {
                if (_disposed.IsCancellationRequested)
                {
                    throw Disposed();
                }

                if (_current is { IsAlive: true } current)
                {
                    return current;
                }

                if (_ready.Task.IsCompleted)
                {
                    _ready = NewReady(); // the published connection has died; wait for the next one
                }

                ready = _ready.Task;
                attemptFailed = _attemptFailed.Task;
            }

            var remaining = _options.CommandTimeout - Stopwatch.GetElapsedTime(started);
            try
            {
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                var first = await Task.WhenAny(ready, attemptFailed).WaitAsync(remaining, cancellationToken);
                if (first == ready)
                {
                    await ready; // rethrows ObjectDisposedException after disposal
                }
                else if (attemptFailed.Result is RedisAuthenticationException denied)
                {
                    // Waiting cannot fix a wrong password: fail now, with the server's reason.
                    throw new RedisAuthenticationException(denied.Message, denied);
                }
            }
            catch (TimeoutException)
            {
                var last = Volatile.Read(ref _lastError);
                throw new RedisConnectionException(
                    $"Redis command {commandName} was not sent: no connection to {_options.EndPoint} within {_options.CommandTimeout.TotalMilliseconds:0} ms" +
                    (last is null ? "." : $" (last error: {last.Message})."),
                    last);
            }
        }
    }

    private async Task KeepConnectedAsync()
    {
        var token = _disposed.Token;
        var attempt = 0;
        while (!token.IsCancellationRequested)
        {
            RedisConnection connection;
            try
            {
                attempt++;
                connection = await RedisConnection.ConnectAsync(_options, _onPush, _onConnected, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                Volatile.Write(ref _lastError, error);
                TaskCompletionSource<Exception> failed;
                lock (_gate)
                {
                    failed = _attemptFailed;
                    _attemptFailed = NewAttemptFailed();
                }

                failed.TrySetResult(error);
                var delay = BackOff(attempt);
                _logger.ConnectFailed(_options.EndPoint, attempt, (long)delay.TotalMilliseconds, error);
                try
                {
                    await Task.Delay(delay, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            lock (_gate)
            {
                if (token.IsCancellationRequested)
                {
                    _ = connection.DisposeAsync().AsTask();
                    return;
                }

                _current = connection;
                Volatile.Write(ref _lastError, null);
                _ready.TrySetResult(connection);
            }

            _logger.Connected(_options.EndPoint, attempt);
            attempt = 0;
            var reason = await connection.Closed;
            lock (_gate)
            {
                _current = null;
                if (_ready.Task.IsCompleted && !token.IsCancellationRequested)
                {
                    _ready = NewReady();
                }
            }

            Volatile.Write(ref _lastError, reason);
            await connection.DisposeAsync();
            if (!token.IsCancellationRequested)
            {
                _logger.ConnectionLost(_options.EndPoint, reason);
            }
        }
    }

    /// <summary>Exponential back-off capped at the maximum, with "equal jitter" so clients do not reconnect in lockstep.</summary>
    private TimeSpan BackOff(int attempt)
    {
        var exponential = _options.ReconnectMinDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var cap = Math.Min(_options.ReconnectMaxDelay.TotalMilliseconds, exponential);
#pragma warning disable CA5394 // jitter needs spread, not unpredictability
        return TimeSpan.FromMilliseconds((cap / 2) + (Random.Shared.NextDouble() * cap / 2));
#pragma warning restore CA5394
    }

    private ObjectDisposedException Disposed() =>
        new(nameof(RedisClient), $"The Redis client for {_options.EndPoint} has been disposed; it cannot send commands any more.");

    private static TaskCompletionSource<RedisConnection> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource<Exception> NewAttemptFailed() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
