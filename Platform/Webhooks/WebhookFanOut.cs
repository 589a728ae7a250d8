using Npgsql;
using Platform.Messaging;

namespace Platform.Webhooks;

/// <summary>
/// Turns integration events into webhook messages: consumes the <c>webhooks</c> queue (routed every event type) and,
/// when enabled endpoints of the event's organization subscribe to its type, stores one message (its id derived from
/// the event's, so a redelivered event makes nothing new) and one due delivery per endpoint, in the consumer's
/// transaction. The delivery job sends them.
/// </summary>
public sealed class WebhookFanOut(TimeProvider clock)
{
    /// <summary>The consumer's name (its inbox) and the queue it reads.</summary>
    public const string Consumer = "webhooks";

    /// <summary>Handles one event; returns how many deliveries it created.</summary>
    public async Task<int> HandleAsync(ReceivedMessage message, ConsumeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        if (message.TenantId is not { } tenantId)
        {
            return 0; // platform events belong to no organization's endpoints
        }

        var now = clock.GetUtcNow();
        // One statement: the message only when some endpoint wants it, then a delivery for each such endpoint.
        await using var fanOut = new NpgsqlCommand(
            """
            WITH subscribed AS (
                SELECT id FROM webhook_endpoints WHERE tenant_id = $1 AND enabled AND event_types @> ARRAY[$4]
            ), message AS (
                INSERT INTO webhook_messages (tenant_id, id, event_id, event_type, body, created_at)
                SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM subscribed)
                ON CONFLICT DO NOTHING
                RETURNING id
            )
            INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, message_id, status, trigger, next_attempt_at, created_at, updated_at)
            SELECT $1, gen_random_uuid(), s.id, m.id, 'pending', 'scheduled', $6, $6, $6 FROM subscribed s CROSS JOIN message m
            ON CONFLICT DO NOTHING
            """,
            context.Connection, context.Transaction)
        {
            Parameters =
            {
                new() { Value = tenantId },
                new() { Value = WebhookMessages.IdFor(message.MessageId) },
                new() { Value = message.MessageId },
                new() { Value = message.Type },
                new() { Value = WebhookMessages.Body(message.Type, message.EnqueuedAt, message.Payload) },
                new() { Value = now },
            },
        };
        return await fanOut.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
