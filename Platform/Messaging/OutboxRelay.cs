using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Tenancy;

namespace Platform.Messaging;

/// <summary>
/// Publishes committed outbox events to the queues routed to them, oldest first, and removes them from the outbox.
/// </summary>
/// <remarks>
/// With the PostgreSQL transport an event moves from the outbox to its queues in one statement (<see cref="IOutboxForwarding"/>).
/// With a broker the rows are locked (<c>SKIP LOCKED</c>, so replicas share the work) while they are sent, and deleted in
/// the same transaction afterwards. A relay that dies between sending and committing leaves them in the outbox; the next
/// round sends them again under the same message ids, which the queue does not queue twice and consumers' inboxes would
/// not handle twice. A rolled-back change never had a committed outbox row, so it is never published.
/// </remarks>
public sealed partial class OutboxRelay(
    NpgsqlDataSource dataSource, IMessageTransport transport, IOptions<MessagingOptions> options, ILogger<OutboxRelay>? logger = null)
{
    private readonly MessagingOptions _options = options.Value;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>
    /// Publishes batch after batch while they come full, then naps <see cref="MessagingOptions.RelayIdlePoll"/>; a failed
    /// round is logged and tried again. Returns
    /// when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Only a full batch goes round again at once; after a partial one the outbox is as good as empty, and
                // the nap lets the next batch gather (one move and one claim per few dozen events, not per handful).
                if (await RelayOnceAsync(cancellationToken).ConfigureAwait(false) >= _options.RelayBatchSize)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: what this round sent without marking is sent again by the next relay, harmlessly.
                return;
            }
            catch (Exception error)
            {
                LogFailed(_logger, error);
            }

            try
            {
                await Task.Delay(_options.RelayIdlePoll, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Publishes one batch; returns how many events it took from the outbox (0 when it is empty).</summary>
    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken = default)
    {
        if (transport is IOutboxForwarding forwarding)
        {
            return await forwarding.ForwardOutboxAsync(_options.Routes, _options.RelayBatchSize, cancellationToken).ConfigureAwait(false);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

        var pending = new List<IntegrationEvent>();
        await using (var select = new NpgsqlCommand(
            """
            SELECT id, tenant_id, type, payload::text FROM outbox_messages ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED
            """, connection, transaction) { Parameters = { new() { Value = _options.RelayBatchSize } } })
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                pending.Add(new IntegrationEvent(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetString(2), reader.GetString(3)));
            }
        }

        if (pending.Count == 0)
        {
            return 0;
        }

        var byQueue = pending
            .SelectMany(e => _options.QueuesFor(e.Type).Select(queue => (Queue: queue, Message: new OutgoingMessage(e.Id, e.TenantId, e.Type, e.Payload))))
            .GroupBy(x => x.Queue, StringComparer.Ordinal);
        foreach (var queue in byQueue)
        {
            await transport.SendAsync(queue.Key, [.. queue.Select(x => x.Message)], cancellationToken).ConfigureAwait(false);
        }

        await using (var mark = new NpgsqlCommand("DELETE FROM outbox_messages WHERE id = ANY($1)", connection, transaction)
        {
            Parameters = { new() { Value = pending.Select(e => e.Id).ToArray() } },
        })
        {
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return pending.Count;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay round failed; the events stay unpublished and are sent on a later round")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
