using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Tenancy;

namespace Platform.Messaging;

public sealed partial class MessageConsumer
{
    private const string Savepoint = "message";

    /// <summary>
    /// Claims and handles a batch in one transaction (see <see cref="SharedTransaction"/>); returns how many it claimed.
    /// The claim locks the messages in that transaction instead of leasing them, so it writes nothing, and the commit
    /// that removes them ends the locks. Per message, one round trip opens its savepoint (releasing the last one), keys it
    /// to its organization, records it in the inbox and removes it from the queue; then its handler runs. A handler that
    /// throws is rolled back to its savepoint alone (the organization keys and the removal with it), and its retry or
    /// dead letter is written in the same transaction.
    /// </summary>
    private async Task<int> HandleTogetherAsync(ITransactionalCompletion queue, MessageHandler handler, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReceivedMessage> messages = [];
        var handled = new List<(ReceivedMessage Message, ConsumeContext Context)>();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            messages = await queue.ClaimAsync(connection, transaction, Queue, BatchSize, cancellationToken).ConfigureAwait(false);
            if (messages.Count == 0)
            {
                return 0;
            }

            var released = true;
            foreach (var message in messages)
            {
                await using var batch = new NpgsqlBatch(connection, transaction);
                if (!released)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"RELEASE SAVEPOINT {Savepoint}"));
                }

                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SAVEPOINT {Savepoint}"));
                var inbox = batch.BatchCommands.Count + 1;
                AddReceipt(batch, message);
                batch.BatchCommands.Add(queue.CompleteCommand(message));
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                released = false;
                if (batch.BatchCommands[inbox].RecordsAffected == 0)
                {
                    continue; // handled before: only its removal from the queue is left, and done
                }

                var context = new ConsumeContext(connection, transaction);
                try
                {
                    await handler(message, context, cancellationToken).ConfigureAwait(false);
                    LogHandled(logger, Name, message.Type, message.MessageId);
                    handled.Add((message, context));
                }
                catch (Exception error) when ((error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    && connection.FullState == System.Data.ConnectionState.Open)
                {
                    // The handler failed with the connection still usable: undo it alone and settle it here, while this
                    // transaction still holds it. A broken connection takes the whole transaction with it instead (below).
                    await using var settle = new NpgsqlBatch(connection, transaction)
                    {
                        BatchCommands =
                        {
                            new($"ROLLBACK TO SAVEPOINT {Savepoint}"),
                            new($"RELEASE SAVEPOINT {Savepoint}"),
                            TenantSession.SystemCommand(),
                            Settle(message, error, queue.DeadLetterCommand, queue.RetryCommand),
                        },
                    };
                    await settle.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    released = true;
                }
            }

            // Committing needs no disk flush: a crash before it reaches the disk redoes the whole batch, as redelivery would.
            await using (var commit = new NpgsqlBatch(connection, transaction) { BatchCommands = { AsynchronousCommit() } })
            {
                await commit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or IOException)
        {
            // The batch's transaction is lost as a whole (a dropped connection, a database fault): nothing of it was
            // committed, and its locks went with it, so the messages are due again at once for the next claim. (Such a
            // loss counts no attempt: the message that caused it, if any, is tried again.)
            LogBatchFailed(logger, Name, messages.Count, error);
            return messages.Count;
        }

        foreach (var (message, context) in handled)
        {
            await RunAfterCommitAsync(context, message, cancellationToken).ConfigureAwait(false);
        }

        return messages.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} lost the transaction of a batch of {Count} messages; they are claimed again")]
    private static partial void LogBatchFailed(ILogger logger, string consumer, int count, Exception error);
}
