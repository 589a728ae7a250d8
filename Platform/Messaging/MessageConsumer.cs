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

    /// <summary>
    /// Handles each claimed batch in one transaction, every message inside its own savepoint (a failing one is rolled
    /// back alone and retried): one commit per batch instead of per message. Only for handlers whose effects are all
    /// writes through <see cref="ConsumeContext.Transaction"/>: a crash before the commit redoes the whole batch, so a
    /// handler that calls out (email, HTTP) would repeat its calls. Needs a transport in this database.
    /// </summary>
    public bool SharedTransaction { get; init; }

    /// <summary>
    /// Consumes until cancelled. After a claim that did not fill a batch the queue is as good as empty, so the consumer
    /// sleeps on the transport's wake-up instead of claiming again at once (a transport that saw more waiting leaves a
    /// wake-up behind, so the sleep then ends at once).
    /// </summary>
    public async Task RunAsync(MessageHandler handler, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            bool full;
            try
            {
                full = await ProcessOnceAsync(handler, cancellationToken).ConfigureAwait(false) == BatchSize;
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or IOException or HttpRequestException)
            {
                LogTransportFailed(logger, Name, Queue, error);
                full = false;
            }

            if (!full)
            {
                await transport.WaitAsync(Queue, _options.IdlePoll, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Claims one batch and settles every message in it; returns how many were claimed.</summary>
    public async Task<int> ProcessOnceAsync(MessageHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (SharedTransaction && transport is ITransactionalCompletion local)
        {
            return await HandleTogetherAsync(local, handler, cancellationToken).ConfigureAwait(false);
        }

        var messages = await transport.ReceiveAsync(Queue, BatchSize, _options.Lease, cancellationToken).ConfigureAwait(false);
        foreach (var message in messages)
        {
            await HandleAsync(message, handler, cancellationToken).ConfigureAwait(false);
        }

        return messages.Count;
    }

    private bool Shared => SharedTransaction && transport is ITransactionalCompletion;

    private int BatchSize => Shared ? _options.SharedTransactionBatchSize : _options.ReceiveBatchSize;

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
            var (ran, completed) = await RunHandlerAsync(message, handler, cancellationToken).ConfigureAwait(false);
            if (ran)
            {
                LogHandled(logger, Name, message.Type, message.MessageId);
            }

            if (!completed)
            {
                await transport.CompleteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await SettleFailureAsync(message, error, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A message whose handler failed: retried after a backoff, or dead-lettered once out of attempts.</summary>
    private Task<bool> SettleFailureAsync(ReceivedMessage message, Exception error, CancellationToken cancellationToken) =>
        Settle(
            message,
            error,
            (m, reason) => transport.DeadLetterAsync(m, reason, cancellationToken),
            (m, delay, reason) => transport.RetryAsync(m, delay, reason, cancellationToken));

    /// <summary>Out of attempts: dead-lettered; otherwise retried after its backoff. Returns what the chosen settlement returns.</summary>
    private T Settle<T>(ReceivedMessage message, Exception error, Func<ReceivedMessage, string, T> deadLetter, Func<ReceivedMessage, TimeSpan, string, T> retry)
    {
        var reason = $"{error.GetType().Name}: {error.Message}";
        if (message.Attempts >= _options.MaxAttempts)
        {
            LogDeadLettered(logger, Name, message.Type, message.MessageId, message.Attempts, error);
            return deadLetter(message, reason);
        }

        var delay = RetryDelay(message.Attempts);
        LogRetrying(logger, Name, message.Type, message.MessageId, message.Attempts, delay, error);
        return retry(message, delay, reason);
    }

    /// <summary>
    /// Runs the handler unless this consumer handled the message before. Ran: whether it did; completed: whether the
    /// message left the queue in the same transaction (a transport in this database), so no acknowledgement is left to send.
    /// </summary>
    private async Task<(bool Ran, bool Completed)> RunHandlerAsync(ReceivedMessage message, MessageHandler handler, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // One round trip: an organization's message is handled as that organization (its handler cannot touch another's
        // rows), the inbox says whether it was handled before, and a queue row in this database goes with the commit.
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddReceipt(batch, message);
        var completes = false;
        if (transport is ITransactionalCompletion local)
        {
            batch.BatchCommands.Add(local.CompleteCommand(message));
            completes = true;
        }

        // The commit need not wait for the disk: should PostgreSQL crash before it is flushed, the inbox record, the
        // handler's writes and the queue row's removal are lost together, and the message is simply handled again.
        batch.BatchCommands.Add(AsynchronousCommit());

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (batch.BatchCommands[1].RecordsAffected == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (false, completes);
        }

        var context = new ConsumeContext(connection, transaction);
        await handler(message, context, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await RunAfterCommitAsync(context, message, cancellationToken).ConfigureAwait(false);
        return (true, completes);
    }

    /// <summary>What the handler of <paramref name="message"/> left to do once its writes were committed.</summary>
    private async Task RunAfterCommitAsync(ConsumeContext context, ReceivedMessage message, CancellationToken cancellationToken)
    {
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
    }

    /// <summary>
    /// Keys the transaction to the message's organization (or the system scope) and records the message in this
    /// consumer's inbox: commands 0 and 1 of <paramref name="batch"/> from its current end; the second affects no row
    /// when the message was handled before.
    /// </summary>
    private void AddReceipt(NpgsqlBatch batch, ReceivedMessage message)
    {
        batch.BatchCommands.Add(ScopeOf(message));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO inbox_messages (consumer, message_id, tenant_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        {
            Parameters = { new() { Value = Name }, new() { Value = message.MessageId }, new() { Value = (object?)message.TenantId ?? DBNull.Value } },
        });
    }

    /// <summary>Keys what follows to the message's organization, or to the system scope for the platform's own messages.</summary>
    private static NpgsqlBatchCommand ScopeOf(ReceivedMessage message) =>
        message.TenantId is { } tenantId ? TenantSession.Command(tenantId, userId: null) : TenantSession.SystemCommand();

    /// <summary>
    /// Lets the transaction commit without waiting for its WAL flush. Only for work whose loss in a PostgreSQL crash is
    /// redone by redelivery (at-least-once), never for a change a caller was told is done.
    /// </summary>
    /// <remarks>
    /// <c>set_config(…, true)</c> rather than <c>SET LOCAL</c>: a batch sent without an explicit transaction runs in an
    /// implicit one, where <c>SET LOCAL</c> only warns and does nothing.
    /// </remarks>
    internal static NpgsqlBatchCommand AsynchronousCommit() => new("SELECT set_config('synchronous_commit', 'off', true)");

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
