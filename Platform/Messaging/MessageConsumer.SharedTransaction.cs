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
    /// that removes them ends the locks. One round trip then asks the inbox which of them were handled before. Per
    /// message, one round trip opens its savepoint (releasing the last one) and keys it to its organization; then its
    /// handler runs. A handler that throws is rolled back to its savepoint alone, and its retry or dead letter is written
    /// in the same transaction. The last round trip records the handled ones in the inbox and removes them from the
    /// queue, set-wise, before the commit.
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

            // Still in the claim's system scope: the inbox entries of every organization in the batch.
            var seen = await HandledBeforeAsync(connection, transaction, messages, cancellationToken).ConfigureAwait(false);
            var done = new List<ReceivedMessage>(messages.Count);
            var released = true;
            foreach (var message in messages)
            {
                if (seen.Contains(message.MessageId))
                {
                    done.Add(message); // handled before: only its removal from the queue is left
                    continue;
                }

                await using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    if (!released)
                    {
                        batch.BatchCommands.Add(new NpgsqlBatchCommand($"RELEASE SAVEPOINT {Savepoint}"));
                    }

                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"SAVEPOINT {Savepoint}"));
                    batch.BatchCommands.Add(ScopeOf(message));
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    released = false;
                }

                var context = new ConsumeContext(connection, transaction);
                try
                {
                    await handler(message, context, cancellationToken).ConfigureAwait(false);
                    LogHandled(logger, Name, message.Type, message.MessageId);
                    handled.Add((message, context));
                    done.Add(message);
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
            await using (var finish = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    TenantSession.SystemCommand(),
                    ReceiptsCommand(handled.Select(h => h.Message)),
                    queue.CompleteAllCommand(done),
                    AsynchronousCommit(),
                },
            })
            {
                await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>Which of <paramref name="messages"/> are in this consumer's inbox already.</summary>
    private async Task<HashSet<Guid>> HandledBeforeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ReceivedMessage> messages, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT message_id FROM inbox_messages WHERE consumer = $1 AND message_id = ANY($2)", connection, transaction)
        {
            Parameters = { new() { Value = Name }, new() { Value = messages.Select(m => m.MessageId).ToArray() } },
        };
        var seen = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            seen.Add(reader.GetGuid(0));
        }

        return seen;
    }

    /// <summary>Records <paramref name="messages"/> in this consumer's inbox at once (in the system scope: several organizations').</summary>
    private NpgsqlBatchCommand ReceiptsCommand(IEnumerable<ReceivedMessage> messages)
    {
        var list = messages.ToArray();
        return new NpgsqlBatchCommand(
            "INSERT INTO inbox_messages (consumer, message_id, tenant_id) SELECT $1, m.id, m.tenant FROM unnest($2::uuid[], $3::uuid[]) AS m(id, tenant) ON CONFLICT DO NOTHING")
        {
            Parameters =
            {
                new() { Value = Name },
                new() { Value = list.Select(m => m.MessageId).ToArray() },
                new() { Value = list.Select(m => m.TenantId).ToArray() },
            },
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} lost the transaction of a batch of {Count} messages; they are claimed again")]
    private static partial void LogBatchFailed(ILogger logger, string consumer, int count, Exception error);
}
