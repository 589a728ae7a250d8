using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Tenancy;

namespace Platform.Messaging;

/// <summary>
/// What a handler gets with a message: the transaction its writes must use, so they commit together with the
/// consumer's record that the message was handled (keyed to the message's organization, or the system scope).
/// </summary>
public sealed record ConsumeContext(NpgsqlConnection Connection, NpgsqlTransaction Transaction)
{
    internal List<Func<CancellationToken, Task>> AfterCommit { get; } = [];

    /// <summary>Work to do once the handler's writes are committed (announcing them), never for a rolled-back attempt.</summary>
    public void OnCommitted(Func<CancellationToken, Task> action) => AfterCommit.Add(action);
}

/// <summary>Handles one message; throwing means "not handled" (retried, then dead-lettered).</summary>
public delegate Task MessageHandler(ReceivedMessage message, ConsumeContext context, CancellationToken cancellationToken);

/// <summary>
/// Consumes one queue for one named consumer, idempotently: each message's id goes into <c>inbox_messages</c> in the
/// transaction of the handler's own writes, so a message delivered again (an expired lease, a relay that sent twice,
/// a crash between commit and acknowledgement) is acknowledged without running the handler again. A failure is
/// retried with exponential backoff and jitter; after <see cref="MessagingOptions.MaxAttempts"/> deliveries the
/// message goes to the dead letters with its last error.
/// </summary>
public sealed partial class MessageConsumer(
    string name,
    string queue,
    IMessageTransport transport,
    NpgsqlDataSource dataSource,
    IOptions<MessagingOptions> options,
    ILogger<MessageConsumer> logger)
{
    private readonly MessagingOptions _options = options.Value;

    public string Name { get; } = name;

    public string Queue { get; } = queue;

    /// <summary>Consumes until cancelled, sleeping on the transport's wake-up while the queue is empty.</summary>
    public async Task RunAsync(MessageHandler handler, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            int claimed;
            try
            {
                claimed = await ProcessOnceAsync(handler, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or IOException or HttpRequestException)
            {
                LogTransportFailed(logger, Name, Queue, error);
                claimed = 0;
            }

            if (claimed == 0)
            {
                await transport.WaitAsync(Queue, _options.IdlePoll, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Claims one batch and settles every message in it; returns how many were claimed.</summary>
    public async Task<int> ProcessOnceAsync(MessageHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var messages = await transport.ReceiveAsync(Queue, _options.ReceiveBatchSize, _options.Lease, cancellationToken).ConfigureAwait(false);
        foreach (var message in messages)
        {
            await HandleAsync(message, handler, cancellationToken).ConfigureAwait(false);
        }

        return messages.Count;
    }

    /// <summary>The delay before retry number <paramref name="attempt"/>: doubling from the first delay, capped, with "equal jitter".</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        var exponential = _options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var capped = Math.Min(exponential, _options.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

    private async Task HandleAsync(ReceivedMessage message, MessageHandler handler, CancellationToken cancellationToken)
    {
        try
        {
            if (await RunHandlerAsync(message, handler, cancellationToken).ConfigureAwait(false))
            {
                LogHandled(logger, Name, message.Type, message.MessageId);
            }

            await transport.CompleteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = $"{error.GetType().Name}: {error.Message}";
            if (message.Attempts >= _options.MaxAttempts)
            {
                LogDeadLettered(logger, Name, message.Type, message.MessageId, message.Attempts, error);
                await transport.DeadLetterAsync(message, reason, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var delay = RetryDelay(message.Attempts);
                LogRetrying(logger, Name, message.Type, message.MessageId, message.Attempts, delay, error);
                await transport.RetryAsync(message, delay, reason, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs the handler unless this consumer handled the message before; true when it ran.</summary>
    private async Task<bool> RunHandlerAsync(ReceivedMessage message, MessageHandler handler, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // An organization's message is handled as that organization: its handler cannot touch another's rows.
        if (message.TenantId is { } tenantId)
        {
            await TenantSession.ApplyAsync(connection, transaction, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await using (var inbox = new NpgsqlCommand(
            "INSERT INTO inbox_messages (consumer, message_id, tenant_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection, transaction)
        {
            Parameters = { new() { Value = Name }, new() { Value = message.MessageId }, new() { Value = (object?)message.TenantId ?? DBNull.Value } },
        })
        {
            if (await inbox.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
        }

        var context = new ConsumeContext(connection, transaction);
        await handler(message, context, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var action in context.AfterCommit)
        {
            try
            {
                await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // The message is handled and committed; what follows is an announcement, not worth a redelivery.
                LogAfterCommitFailed(logger, Name, message.Type, message.MessageId, error);
            }
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Consumer} handled {Type} {MessageId}")]
    private static partial void LogHandled(ILogger logger, string consumer, string type, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} failed {Type} {MessageId} (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string consumer, string type, Guid messageId, int attempt, TimeSpan delay, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Consumer} gave up on {Type} {MessageId} after {Attempts} attempts; moved to dead letters")]
    private static partial void LogDeadLettered(ILogger logger, string consumer, string type, Guid messageId, int attempts, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} handled {Type} {MessageId}, but its follow-up after commit failed")]
    private static partial void LogAfterCommitFailed(ILogger logger, string consumer, string type, Guid messageId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} could not reach queue {Queue}; trying again shortly")]
    private static partial void LogTransportFailed(ILogger logger, string consumer, string queue, Exception error);
}
