using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Messaging;

public sealed partial class MessageConsumer
{
    private const string Savepoint = "message";

    /// <summary>
    /// Handles <paramref name="messages"/> in one transaction (see <see cref="SharedTransaction"/>). Per message, one
    /// round trip opens its savepoint (releasing the last one), keys it to its organization, records it in the inbox and
    /// removes it from the queue; then its handler runs. A handler that throws is rolled back to its savepoint alone
    /// (the organization keys and the queue row's removal with it) and settled as a failure after the commit.
    /// </summary>
    private async Task HandleTogetherAsync(
        IReadOnlyList<ReceivedMessage> messages, ITransactionalCompletion queue, MessageHandler handler, CancellationToken cancellationToken)
    {
        var failed = new List<(ReceivedMessage Message, Exception Error)>();
        var handled = new List<(ReceivedMessage Message, ConsumeContext Context)>();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
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
                    // The handler failed with the connection still usable: undo it alone. A broken connection takes the
                    // whole transaction with it instead (below).
                    await using var rollback = new NpgsqlBatch(connection, transaction)
                    {
                        BatchCommands = { new($"ROLLBACK TO SAVEPOINT {Savepoint}"), new($"RELEASE SAVEPOINT {Savepoint}") },
                    };
                    await rollback.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    released = true;
                    failed.Add((message, error));
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
            // committed. The messages are still leased to this consumer, so each is handled again on its own, where a
            // failure is retried or dead-lettered like any other.
            LogBatchFailed(logger, Name, messages.Count, error);
            foreach (var message in messages)
            {
                await HandleAsync(message, handler, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        foreach (var (message, context) in handled)
        {
            await RunAfterCommitAsync(context, message, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (message, error) in failed)
        {
            await SettleFailureAsync(message, error, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} lost the transaction of a batch of {Count} messages; handling them one by one")]
    private static partial void LogBatchFailed(ILogger logger, string consumer, int count, Exception error);
}
