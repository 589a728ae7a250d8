using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Platform.Caching;

/// <summary>
/// One open socket to Redis shared by all callers. Commands queue in an outbox; a single writer loop
/// drains it and flushes whole batches (pipelining), recording each written command in FIFO order;
/// a reader loop matches each reply to the oldest command waiting. When anything goes wrong the
/// connection fails as a whole: every queued and waiting command fails at once, and it is never reused.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    // Flush mid-batch past this size so a burst of large values does not all sit in memory first.
    private const int FlushThresholdBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<RedisCommand> _outbox = Channel.CreateUnbounded<RedisCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<RedisCommand> _awaitingReply = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<RespValue, bool>? _onPush;
    private readonly string _endPoint;
    private Exception? _failure;
    private Task _loops = Task.CompletedTask;

    private RedisConnection(Stream stream, string endPoint, Func<RespValue, bool>? onPush)
    {
        _stream = stream;
        _endPoint = endPoint;
        _onPush = onPush;
        _input = PipeReader.Create(stream);
        _output = PipeWriter.Create(stream);
    }

    public bool IsAlive => Volatile.Read(ref _failure) is null;

    /// <summary>Completes with the reason once the connection has failed or been closed.</summary>
    public Task<Exception> Closed => _closed.Task;

    /// <summary>
    /// Opens, secures and authenticates a connection, then runs <paramref name="onConnected"/> (e.g. to
    /// re-subscribe) before anyone else can use it. <paramref name="onPush"/> receives out-of-band
    /// messages (pub/sub) and returns true when it consumed the value.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(
        RedisConnectionOptions options,
        Func<RespValue, bool>? onPush,
        Func<RedisConnection, CancellationToken, Task>? onConnected,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RedisConnection? connection = null;
        try
        {
            await socket.ConnectAsync(options.Host, options.EffectivePort, timeout.Token);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Ssl)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = options.SslHost ?? options.Host,
                        RemoteCertificateValidationCallback = options.RemoteCertificateValidation,
                    },
                    timeout.Token);
            }

            connection = new RedisConnection(stream, options.EndPoint, onPush);
            connection.Start();
            await connection.HandshakeAsync(options, timeout.Token);
            if (onConnected is not null)
            {
                await onConnected(connection, timeout.Token);
            }

            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeQuietlyAsync(connection, socket);
            throw new RedisConnectionException(
                $"Could not connect to Redis at {options.EndPoint} within {options.ConnectTimeout.TotalMilliseconds:0} ms (connectTimeout).");
        }
        catch (System.Security.Authentication.AuthenticationException error)
        {
            await DisposeQuietlyAsync(connection, socket);
            throw new RedisAuthenticationException(
                $"TLS handshake with Redis at {options.EndPoint} failed: the server certificate was not accepted for host '{options.SslHost ?? options.Host}' ({error.Message}).", error);
        }
        catch (Exception error) when (error is SocketException or IOException)
        {
            await DisposeQuietlyAsync(connection, socket);
            throw new RedisConnectionException($"Could not connect to Redis at {options.EndPoint}: {error.Message}", error);
        }
        catch
        {
            await DisposeQuietlyAsync(connection, socket);
            throw;
        }
    }

    /// <summary>Queues the command for sending; false if the connection has already failed (nothing was sent).</summary>
    public bool TryEnqueue(RedisCommand command) => IsAlive && _outbox.Writer.TryWrite(command);

    /// <summary>Sends a command and awaits its reply; used while connecting, before the connection is shared.</summary>
    public async Task<RespValue> ExecuteAsync(RedisCommand command, CancellationToken cancellationToken)
    {
        if (!TryEnqueue(command))
        {
            throw LostException(command.Name, Volatile.Read(ref _failure));
        }

        return await command.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new RedisConnectionException($"The connection to Redis at {_endPoint} was closed by the client."));
        await _loops;
        _shutdown.Dispose();
    }

    private static async Task DisposeQuietlyAsync(RedisConnection? connection, Socket socket)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        socket.Dispose();
    }

    private async Task HandshakeAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        if (options.Password is not null)
        {
            var auth = options.User is null
                ? new RedisCommand("AUTH", RedisCommand.Arg(options.Password))
                : new RedisCommand("AUTH", RedisCommand.Arg(options.User), RedisCommand.Arg(options.Password));
            try
            {
                await ExecuteAsync(auth, cancellationToken);
            }
            catch (RedisServerException error)
            {
                throw new RedisAuthenticationException(
                    $"Redis at {options.EndPoint} rejected the credentials for user '{options.User ?? "default"}': {error.ServerMessage}", error);
            }
        }

        if (options.ClientName is not null)
        {
            await ExecuteAsync(new RedisCommand("CLIENT", RedisCommand.Arg("SETNAME"), RedisCommand.Arg(options.ClientName)), cancellationToken);
        }

        if (options.DefaultDatabase != 0)
        {
            await ExecuteAsync(new RedisCommand("SELECT", RedisCommand.Arg(options.DefaultDatabase)), cancellationToken);
        }
    }

    private void Start() => _loops = Task.WhenAll(Task.Run(WriteLoopAsync), Task.Run(ReadLoopAsync));

    private async Task WriteLoopAsync()
    {
        Exception? error = null;
        try
        {
            var outbox = _outbox.Reader;
            while (await outbox.WaitToReadAsync(_shutdown.Token))
            {
                while (outbox.TryRead(out var command))
                {
                    if (command.Task.IsCompleted)
                    {
                        continue; // timed out or cancelled before it was sent: skip it, it gets no reply
                    }

                    RespWriter.Write(_output, command);
                    _awaitingReply.Enqueue(command);
                    if (_output.CanGetUnflushedBytes && _output.UnflushedBytes > FlushThresholdBytes)
                    {
                        await FlushAsync();
                    }
                }

                await FlushAsync();
            }
        }
        catch (Exception exception)
        {
            error = exception;
        }
        finally
        {
            Fail(error ?? new RedisConnectionException($"The connection to Redis at {_endPoint} was closed."));
            while (_outbox.Reader.TryRead(out var command))
            {
                command.TrySetException(LostException(command.Name, _failure));
            }

            FailAwaitingReply();
            await _output.CompleteAsync();
        }
    }

    private async Task FlushAsync()
    {
        var result = await _output.FlushAsync(_shutdown.Token);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new RedisConnectionException($"The connection to Redis at {_endPoint} stopped accepting data.");
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_shutdown.Token);
                var buffer = result.Buffer;
                while (RespReader.TryRead(ref buffer, out var reply))
                {
                    Dispatch(reply);
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new RedisConnectionException($"Redis at {_endPoint} closed the connection.");
                }
            }
        }
        catch (Exception exception)
        {
            error = exception;
        }
        finally
        {
            Fail(error!);
            FailAwaitingReply();
            await _input.CompleteAsync();
        }
    }

    private void Dispatch(RespValue reply)
    {
        if (_onPush is not null && reply.Type == RespType.Array && _onPush(reply))
        {
            return;
        }

        if (!_awaitingReply.TryDequeue(out var command))
        {
            throw new RedisConnectionException($"Redis at {_endPoint} sent a reply nobody asked for; the connection is out of step.");
        }

        command.Complete(reply);
    }

    private void Fail(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        _shutdown.Cancel();
        _stream.Dispose(); // unblocks a read or write stuck on the socket
        _closed.TrySetResult(reason);
    }

    private void FailAwaitingReply()
    {
        while (_awaitingReply.TryDequeue(out var command))
        {
            command.TrySetException(LostException(command.Name, _failure));
        }
    }

    private RedisConnectionException LostException(string command, Exception? reason) =>
        new($"Redis command {command} failed: the connection to {_endPoint} was lost before the reply arrived ({reason?.Message ?? "closed"}).", reason);
}
