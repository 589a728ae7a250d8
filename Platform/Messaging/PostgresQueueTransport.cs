using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Platform.Tenancy;

namespace Platform.Messaging;

/// <summary>
/// The default transport: queues are rows of <c>queue_messages</c>. Consumers claim due messages with
/// <c>FOR UPDATE SKIP LOCKED</c>, so any number of them compete without blocking each other or taking the same
/// message; a claim hides the message for its lease (a crashed consumer's messages come back when it ends).
/// Sending notifies <c>LISTEN</c>ers, so idle consumers wake at once instead of polling hot.
/// </summary>
/// <remarks>
/// Every statement runs in the system scope (messages of all organizations) and in one round trip with it.
/// </remarks>
public sealed partial class PostgresQueueTransport(NpgsqlDataSource dataSource, ILogger<PostgresQueueTransport> logger) : IMessageTransport, ITransactionalCompletion, IAsyncDisposable
{
    /// <summary>The notification channel; the payload names the queue that has new messages.</summary>
    public const string NotifyChannel = "platform_queue";

    private const string CompleteSql = "DELETE FROM queue_messages WHERE id = $1 AND lease_token = $2";
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _arrivals = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _listenerGate = new();
    private Task? _listener;
    private int _disposed;

    public async Task SendAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = SystemBatch(
            connection,
            """
            INSERT INTO queue_messages (queue, message_id, tenant_id, type, payload, priority, available_at)
            SELECT $1, m.id, m.tenant, m.type, m.payload::jsonb, m.priority, coalesce(m.not_before, now())
            FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::smallint[], $7::timestamptz[]) AS m(id, tenant, type, payload, priority, not_before)
            ON CONFLICT (queue, message_id) DO NOTHING
            """,
            queue,
            messages.Select(m => m.MessageId).ToArray(),
            messages.Select(m => m.TenantId).ToArray(),
            messages.Select(m => m.Type).ToArray(),
            messages.Select(m => m.Payload).ToArray(),
            messages.Select(m => m.Priority).ToArray(),
            messages.Select(m => m.NotBefore).ToArray());
        // Delivered to listeners when the batch's transaction commits, never for a failed send.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = NotifyChannel }, new() { Value = queue } } });
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = SettlementBatch(
            connection,
            """
            WITH RECURSIVE tenants (tenant_id) AS (
                -- Each organization with messages on the queue: a loose index scan, one probe apiece.
                (SELECT tenant_id FROM queue_messages WHERE queue = $1 AND tenant_id IS NOT NULL ORDER BY tenant_id LIMIT 1)
                UNION ALL
                SELECT (SELECT q.tenant_id FROM queue_messages q WHERE q.queue = $1 AND q.tenant_id > t.tenant_id ORDER BY q.tenant_id LIMIT 1)
                FROM tenants t WHERE t.tenant_id IS NOT NULL),
            share AS (
                -- Four times an organization's fair share of the batch: spares for rows competing consumers hold locked,
                -- without ranking every organization's whole batch when many have messages waiting.
                SELECT greatest(4, 4 * ceil($2::numeric / greatest(1, count(tenant_id))))::int AS n FROM tenants),
            candidates AS (
                -- Each one's next due messages (platform messages, without a tenant, count as one more), numbered by turn.
                SELECT c.id, c.priority, c.available_at, row_number() OVER (PARTITION BY c.tenant_id ORDER BY c.priority DESC, c.available_at, c.id) AS turn
                FROM (
                    SELECT n.id, n.tenant_id, n.priority, n.available_at
                    FROM tenants t CROSS JOIN LATERAL (
                        SELECT id, tenant_id, priority, available_at FROM queue_messages q
                        WHERE q.queue = $1 AND q.tenant_id = t.tenant_id AND q.available_at <= now()
                        ORDER BY q.priority DESC, q.available_at, q.id LIMIT (SELECT n FROM share)) n
                    UNION ALL
                    (SELECT id, tenant_id, priority, available_at FROM queue_messages q
                     WHERE q.queue = $1 AND q.tenant_id IS NULL AND q.available_at <= now()
                     ORDER BY q.priority DESC, q.available_at, q.id LIMIT $2)) c),
            turns AS (
                -- Priority first; within a priority, organizations take turns.
                SELECT array_agg(id ORDER BY priority DESC, turn, available_at, id) AS ids FROM candidates),
            claimed AS (
                -- Locked through the primary key (a join would scan the table). A row another consumer claimed since this
                -- statement's snapshot is re-checked once its lock is free: no longer due, it is skipped, not claimed twice.
                SELECT q.id FROM turns t CROSS JOIN unnest(t.ids) WITH ORDINALITY AS o (id, turn) JOIN queue_messages q ON q.id = o.id
                WHERE q.available_at <= now()
                ORDER BY o.turn
                LIMIT $2
                FOR UPDATE OF q SKIP LOCKED)
            UPDATE queue_messages m
            SET available_at = now() + $3, attempts = m.attempts + 1, lease_token = gen_random_uuid()
            FROM claimed WHERE m.id = claimed.id
            RETURNING m.id, m.queue, m.message_id, m.tenant_id, m.type, m.payload::text, m.priority, m.attempts, m.lease_token, m.enqueued_at
            """,
            queue,
            maxMessages,
            lease);
        var claimed = new List<ReceivedMessage>(maxMessages);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claimed.Add(new ReceivedMessage(
                    reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                    reader.GetString(4), reader.GetString(5), reader.GetInt16(6), reader.GetInt32(7), reader.GetGuid(8),
                    reader.GetFieldValue<DateTimeOffset>(9)));
            }
        }

        // UPDATE ... RETURNING keeps no order: priority first, then oldest.
        return [.. claimed.OrderByDescending(m => m.Priority).ThenBy(m => m.Id)];
    }

    public Task<bool> CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ExecuteAsync(CompleteSql, cancellationToken, message.Id, message.LeaseToken);
    }

    public NpgsqlBatchCommand CompleteCommand(ReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new NpgsqlBatchCommand(CompleteSql) { Parameters = { new() { Value = message.Id }, new() { Value = message.LeaseToken } } };
    }

    public Task<bool> RetryAsync(ReceivedMessage message, TimeSpan delay, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ExecuteAsync(
            "UPDATE queue_messages SET available_at = now() + $3, lease_token = NULL, last_error = $4 WHERE id = $1 AND lease_token = $2",
            cancellationToken, message.Id, message.LeaseToken, delay, Truncate(reason));
    }

    public Task<bool> DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ExecuteAsync(
            """
            WITH gone AS (DELETE FROM queue_messages WHERE id = $1 AND lease_token = $2 RETURNING *)
            INSERT INTO dead_letters (queue, message_id, tenant_id, type, payload, priority, attempts, last_error, enqueued_at)
            SELECT queue, message_id, tenant_id, type, payload, priority, attempts, $3, enqueued_at FROM gone
            """,
            cancellationToken, message.Id, message.LeaseToken, Truncate(reason));
    }

    public async Task WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        EnsureListening();
        var arrival = _arrivals.GetOrAdd(queue, static _ => NewArrival()).Task;
        await Task.WhenAny(arrival, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as IMessageTransport, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_listener is { } listener)
        {
            await listener.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>The statement after the system scope, in one round trip and one implicit transaction.</summary>
    internal static NpgsqlBatch SystemBatch(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(Parameter(parameter));
        }

        return new NpgsqlBatch(connection) { BatchCommands = { TenantSession.SystemCommand(), command } };
    }

    /// <summary>
    /// A claim or settlement: lost in a PostgreSQL crash, it is redone by redelivery (a claim's lease, a retry's delay
    /// or a removal that did not stick only bring the message back), so its commit need not wait for the disk.
    /// </summary>
    private static NpgsqlBatch SettlementBatch(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        var batch = SystemBatch(connection, sql, parameters);
        batch.BatchCommands.Add(MessageConsumer.AsynchronousCommit());
        return batch;
    }

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value },
        Guid?[] ids => new NpgsqlParameter { Value = ids.Select(id => id is { } v ? (object)v : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
        DateTimeOffset?[] times => new NpgsqlParameter { Value = times.Select(t => t is { } v ? (object)v : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
        _ => new NpgsqlParameter { Value = value },
    };

    private static string Truncate(string reason) => reason.Length <= 4000 ? reason : reason[..4000];

    private static TaskCompletionSource NewArrival() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<bool> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = SettlementBatch(connection, sql, parameters);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[1].RecordsAffected > 0;
    }

    private void EnsureListening()
    {
        if (_listener is not null)
        {
            return;
        }

        lock (_listenerGate)
        {
            _listener ??= Task.Run(ListenAsync);
        }
    }

    /// <summary>One connection per process LISTENs and wakes the waiters of the queue each notification names.</summary>
    private async Task ListenAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(_stopping.Token).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (_arrivals.TryRemove(e.Payload, out var arrival))
                    {
                        arrival.TrySetResult();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
                }

                try
                {
                    while (true)
                    {
                        await connection.WaitAsync(_stopping.Token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    // The pool keeps session state (no reset on return), so the subscription must not go back with it.
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                        await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // Waiters fall back to their timeouts meanwhile.
                LogListenFailed(logger, error);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue notifications unavailable (PostgreSQL LISTEN); consumers poll until it is back")]
    private static partial void LogListenFailed(ILogger logger, Exception error);
}
