using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Tenancy;

namespace Platform.Webhooks;

/// <summary>What the clean-up removed in one round.</summary>
public sealed record WebhookCleanup(long Messages, long ExpiredSecrets);

/// <summary>
/// Keeps the webhook tables from growing without end: messages older than <see cref="WebhookOptions.Retention"/> with
/// no attempt pending go, with their deliveries and log; so do rotated-out secrets past their grace period.
/// </summary>
public sealed class WebhookRetention(NpgsqlDataSource dataSource, IOptions<WebhookOptions> options)
{
    /// <summary>Deletes what is past retention as of <paramref name="now"/>, in one transaction.</summary>
    public async Task<WebhookCleanup> CleanUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        long messages;
        await using (var delete = new NpgsqlCommand(
            """
            DELETE FROM webhook_messages m WHERE m.created_at < $1
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = m.tenant_id AND d.message_id = m.id AND d.status = 'pending')
            """, connection, transaction) { Parameters = { new() { Value = now - options.Value.Retention } } })
        {
            messages = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long secrets;
        await using (var delete = new NpgsqlCommand("DELETE FROM webhook_endpoint_secrets WHERE expires_at <= $1", connection, transaction) { Parameters = { new() { Value = now } } })
        {
            secrets = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new WebhookCleanup(messages, secrets);
    }
}
