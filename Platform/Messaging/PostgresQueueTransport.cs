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
/// A notification wakes one waiting consumer of the queue (or the next to wait, when all are busy), not all of them:
/// every claim costs a walk of the queue's index whatever it returns, so consumers racing for the few messages of one
/// send would pay many claims for one batch. A claim that comes back full wakes one more, so a backlog still draws in
/// every consumer.
/// Every statement runs in the system scope (messages of all organizations) and in one round trip with it.
/// </remarks>
public sealed partial class PostgresQueueTransport(NpgsqlDataSource dataSource, ILogger<PostgresQueueTransport> logger)
    : IMessageTransport, ITransactionalCompletion, IOutboxForwarding, IAsyncDisposable
{
    /// <summary>The notification channel; the payload names the queue that has new messages.</summary>
    public const string NotifyChannel = "platform_queue";

    private const string CompleteSql = "DELETE FROM queue_messages WHERE id = $1 AND lease_token = $2";

    /// <summary>A message claimed by a lock in the completing transaction itself: that lock is its lease.</summary>
    private const string CompleteLockedSql = "DELETE FROM queue_messages WHERE id = $1";

    /// <summary>
    /// The ordering of an organization probe: queue_messages_ready read backwards, so the probe lands on the organization's
    /// last entry (its newest or latest-due message, which is queued) instead of its first (its oldest, which are the
    /// handled ones, dead until vacuum). Organizations are walked from the highest id down.
    /// </summary>
    private const string NewestFirst = "ORDER BY tenant_id DESC, priority, available_at DESC, id DESC";

    /// <summary>Where a claim's walk over organizations starts: above every organization id (no version 4 uuid is all ones).</summary>
    private static readonly Guid Top = Guid.AllBitsSet;

    /// <summary>
    /// The queue's due messages in the order they are to be claimed (<c>turns</c>, an array of ids): priority first;
    /// within a priority, organizations take turns. Parameters: $1 queue, $2 how many.
    /// </summary>
    private const string FairTurnsSql =
        $$"""
        WITH RECURSIVE tenants (tenant_id) AS (
            -- Each organization with messages on the queue: a loose index scan, one probe apiece, newest first.
            (SELECT tenant_id FROM queue_messages WHERE queue = $1 AND tenant_id IS NOT NULL {{NewestFirst}} LIMIT 1)
            UNION ALL
            SELECT (SELECT q.tenant_id FROM queue_messages q WHERE q.queue = $1 AND q.tenant_id < t.tenant_id {{NewestFirst}} LIMIT 1)
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
            SELECT array_agg(id ORDER BY priority DESC, turn, available_at, id) AS ids FROM candidates)
        """;

    /// <summary>
    /// Locks the first $2 of <c>turns</c> that no one else holds. Locked through the primary key (a join would scan the
    /// table); a row another consumer claimed since this statement's snapshot is re-checked once its lock is free: no
    /// longer due, it is skipped, not claimed twice.
    /// </summary>
    private const string LockDueSql =
        """
        SELECT q.id FROM turns t CROSS JOIN unnest(t.ids) WITH ORDINALITY AS o (id, turn) JOIN queue_messages q ON q.id = o.id
        WHERE q.available_at <= now()
        ORDER BY o.turn
        LIMIT $2
        FOR UPDATE OF q SKIP LOCKED
        """;

    /// <summary>
    /// A claim by lock (<see cref="ClaimAsync"/>): each organization with due messages, in a window of at most $2 − 1 of
    /// them after $3, and the platform's own messages, lock an equal share of the batch, their oldest first. Organizations
    /// past the window take their turn in the next claim, which starts after it. Columns 11–13: the share, the window's
    /// last organization, and whether the window was full.
    /// </summary>
    private const string LockedClaimSql =
        $$"""
        WITH RECURSIVE tenants (tenant_id, n) AS (
            -- A loose index scan over the organizations below $3, one probe apiece, newest first.
            (SELECT tenant_id, 1 FROM queue_messages WHERE queue = $1 AND tenant_id < $3 {{NewestFirst}} LIMIT 1)
            UNION ALL
            SELECT (SELECT q.tenant_id FROM queue_messages q WHERE q.queue = $1 AND q.tenant_id < t.tenant_id {{NewestFirst}} LIMIT 1), t.n + 1
            FROM tenants t WHERE t.tenant_id IS NOT NULL AND t.n < $2 - 1),
        window_ AS (
            SELECT count(tenant_id)::int AS organizations, (SELECT tenant_id FROM tenants WHERE tenant_id IS NOT NULL ORDER BY n DESC LIMIT 1) AS last
            FROM tenants),
        share AS (
            SELECT greatest(1, $2 / greatest(1, w.organizations
                + (EXISTS (SELECT FROM queue_messages WHERE queue = $1 AND tenant_id IS NULL AND available_at <= now()))::int))::int AS n
            FROM window_ w),
        organizations AS (
            SELECT m.* FROM tenants t CROSS JOIN LATERAL (
                SELECT q.* FROM queue_messages q
                WHERE q.queue = $1 AND q.tenant_id = t.tenant_id AND q.available_at <= now()
                ORDER BY q.priority DESC, q.available_at, q.id
                LIMIT (SELECT n FROM share)
                FOR UPDATE SKIP LOCKED) m
            WHERE t.tenant_id IS NOT NULL),
        platform AS (
            SELECT q.* FROM queue_messages q
            WHERE q.queue = $1 AND q.tenant_id IS NULL AND q.available_at <= now()
            ORDER BY q.priority DESC, q.available_at, q.id
            LIMIT (SELECT n FROM share)
            FOR UPDATE SKIP LOCKED),
        claimed AS (SELECT * FROM organizations UNION ALL SELECT * FROM platform)
        SELECT c.id, c.queue, c.message_id, c.tenant_id, c.type, c.payload::text, c.priority, c.attempts + 1, '00000000-0000-0000-0000-000000000000'::uuid, c.enqueued_at,
               s.n, w.last, w.organizations >= $2 - 1
        FROM claimed c CROSS JOIN share s CROSS JOIN window_ w
        -- Priority first; within a priority, organizations take turns.
        ORDER BY c.priority DESC, row_number() OVER (PARTITION BY c.tenant_id ORDER BY c.priority DESC, c.available_at, c.id), c.tenant_id NULLS LAST
        """;

    private readonly ConcurrentDictionary<string, Guid> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _arrivals = new(StringComparer.Ordinal);
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

    public async Task<int> ForwardOutboxAsync(IReadOnlyDictionary<string, string[]> routes, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var pairs = routes.SelectMany(route => route.Value.Select(pattern => (Queue: route.Key, Pattern: pattern))).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Moving is atomic, so its commit need not wait for the disk: lost in a crash, the events are still in the outbox.
        await using var batch = SettlementBatch(
            connection,
            """
            WITH taken AS (
                DELETE FROM outbox_messages o
                WHERE o.id IN (SELECT id FROM outbox_messages ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED)
                RETURNING o.id, o.tenant_id, o.type, o.payload, o.position),
            routes (queue, pattern) AS (SELECT * FROM unnest($2::text[], $3::text[])),
            sent AS (
                -- In outbox order, so each queue keeps it; an event no route matches goes nowhere.
                INSERT INTO queue_messages (queue, message_id, tenant_id, type, payload)
                SELECT q.queue, t.id, t.tenant_id, t.type, t.payload
                FROM taken t CROSS JOIN (SELECT DISTINCT queue FROM routes) q
                WHERE EXISTS (
                    SELECT FROM routes r
                    WHERE r.queue = q.queue
                      AND (r.pattern = '*' OR r.pattern = t.type OR (right(r.pattern, 2) = '.*' AND starts_with(t.type, left(r.pattern, -1)))))
                ORDER BY t.position, q.queue
                ON CONFLICT (queue, message_id) DO NOTHING
                RETURNING queue)
            SELECT (SELECT count(*) FROM taken)::int,
                   (SELECT count(*) FROM (SELECT pg_notify($4, queue) FROM (SELECT DISTINCT queue FROM sent) s) n)::int
            """,
            batchSize,
            pairs.Select(p => p.Queue).ToArray(),
            pairs.Select(p => p.Pattern).ToArray(),
            NotifyChannel);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetInt32(0) : 0;
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = SettlementBatch(
            connection,
            $"""
            {FairTurnsSql},
            claimed AS (
                {LockDueSql})
            UPDATE queue_messages m
            SET available_at = now() + $3, attempts = m.attempts + 1, lease_token = gen_random_uuid()
            FROM claimed WHERE m.id = claimed.id
            RETURNING m.id, m.queue, m.message_id, m.tenant_id, m.type, m.payload::text, m.priority, m.attempts, m.lease_token, m.enqueued_at
            """,
            queue,
            maxMessages,
            lease);
        batch.BatchCommands.Insert(1, IndexPlansOnly(true));
        var claimed = await ReadMessagesAsync(batch, maxMessages, cancellationToken).ConfigureAwait(false);
        if (claimed.Count == maxMessages)
        {
            Wake(queue); // more may be waiting: another consumer may as well take them
        }

        // UPDATE ... RETURNING keeps no order: priority first, then oldest.
        return [.. claimed.OrderByDescending(m => m.Priority).ThenBy(m => m.Id)];
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string queue, int maxMessages, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 2);
        var below = _windows.TryGetValue(queue, out var last) ? last : Top;
        await using var batch = SystemBatch(connection, LockedClaimSql, queue, maxMessages, below);
        batch.Transaction = transaction;
        batch.BatchCommands.Insert(1, IndexPlansOnly(true));
        batch.BatchCommands.Add(IndexPlansOnly(false)); // the handlers' statements that follow are planned as usual
        var window = new ClaimWindow();
        var claimed = await ReadMessagesAsync(batch, maxMessages, cancellationToken, window.Read).ConfigureAwait(false);

        // The next claim starts below this one's last organization when it could not look at them all, else at the top.
        _windows[queue] = window.Full ? window.Last : Top;
        if (claimed.GroupBy(m => m.TenantId).Any(group => group.Count() >= window.Share))
        {
            Wake(queue); // an organization had more than its share waiting: another consumer may as well take it
        }

        return claimed;
    }

    public NpgsqlBatchCommand RetryCommand(ReceivedMessage message, TimeSpan delay, string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Command(
            "UPDATE queue_messages SET available_at = now() + $2, attempts = attempts + 1, lease_token = NULL, last_error = $3 WHERE id = $1",
            message.Id, delay, Truncate(reason));
    }

    public NpgsqlBatchCommand DeadLetterCommand(ReceivedMessage message, string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Command(
            """
            WITH gone AS (DELETE FROM queue_messages WHERE id = $1 RETURNING *)
            INSERT INTO dead_letters (queue, message_id, tenant_id, type, payload, priority, attempts, last_error, enqueued_at)
            SELECT queue, message_id, tenant_id, type, payload, priority, $3, $2, enqueued_at FROM gone
            """,
            message.Id, Truncate(reason), message.Attempts);
    }

    public Task<bool> CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ExecuteAsync(CompleteSql, cancellationToken, message.Id, message.LeaseToken);
    }

    public NpgsqlBatchCommand CompleteCommand(ReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.LeaseToken == Guid.Empty ? Command(CompleteLockedSql, message.Id) : Command(CompleteSql, message.Id, message.LeaseToken);
    }

    public NpgsqlBatchCommand CompleteAllCommand(IReadOnlyCollection<ReceivedMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Command("DELETE FROM queue_messages WHERE id = ANY($1)", messages.Select(m => m.Id).ToArray());
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
        await Arrivals(queue).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
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
        foreach (var arrivals in _arrivals.Values)
        {
            arrivals.Dispose();
        }
    }

    /// <summary>The statement after the system scope, in one round trip and one implicit transaction.</summary>
    internal static NpgsqlBatch SystemBatch(NpgsqlConnection connection, string sql, params object?[] parameters) =>
        new(connection) { BatchCommands = { TenantSession.SystemCommand(), Command(sql, parameters) } };

    /// <summary>
    /// Keeps the planner to index plans for the claim, in its transaction. The queue's statistics describe whatever the
    /// table held at the last analyze, often next to nothing, and a claim planned for an empty table (a sequential scan,
    /// a bitmap over the message id index) walks every dead and live row of a busy one.
    /// </summary>
    private static NpgsqlBatchCommand IndexPlansOnly(bool only)
    {
        var value = only ? "off" : "on";
        return new NpgsqlBatchCommand($"SELECT set_config('enable_seqscan', '{value}', true), set_config('enable_bitmapscan', '{value}', true)");
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(Parameter(parameter));
        }

        return command;
    }

    private static async Task<List<ReceivedMessage>> ReadMessagesAsync(
        NpgsqlBatch batch, int capacity, CancellationToken cancellationToken, Action<NpgsqlDataReader>? readRest = null)
    {
        const int Columns = 10;
        var messages = new List<ReceivedMessage>(capacity);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        // Settings applied before the claim (set_config) answer with a row of their own: skip to the claim's result.
        while (reader.FieldCount < Columns && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
        }

        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add(new ReceivedMessage(
                reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.GetString(4), reader.GetString(5), reader.GetInt16(6), reader.GetInt32(7), reader.GetGuid(8),
                reader.GetFieldValue<DateTimeOffset>(9)));
            readRest?.Invoke(reader);
        }

        return messages;
    }

    /// <summary>What a locked claim says beside its messages (the same on every row).</summary>
    private sealed class ClaimWindow
    {
        public int Share { get; private set; } = int.MaxValue;

        public Guid Last { get; private set; }

        public bool Full { get; private set; }

        public void Read(NpgsqlDataReader reader)
        {
            Share = reader.GetInt32(10);
            Last = reader.IsDBNull(11) ? Guid.Empty : reader.GetGuid(11);
            Full = reader.GetBoolean(12);
        }
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

    /// <summary>At most one pending wake-up per queue: it goes to one waiter, or to the next consumer that waits.</summary>
    private SemaphoreSlim Arrivals(string queue) => _arrivals.GetOrAdd(queue, static _ => new SemaphoreSlim(0, 1));

    private void Wake(string queue)
    {
        var arrivals = Arrivals(queue);
        if (arrivals.CurrentCount > 0)
        {
            return;
        }

        try
        {
            arrivals.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another notification got there first: one pending wake-up is enough.
        }
    }

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
                connection.Notification += (_, e) => Wake(e.Payload);
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
