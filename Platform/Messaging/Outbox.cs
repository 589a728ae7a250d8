using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Platform.Data;

namespace Platform.Messaging;

/// <summary>
/// Something that happened in an organization (or on the platform, with no tenant), for other parts of the system
/// to act on. <c>Id</c> identifies it end to end (time-ordered); <c>Type</c> is lower case and dot-separated
/// (<c>customer.created</c>); <c>Payload</c> is JSON text.
/// </summary>
public sealed record IntegrationEvent(Guid Id, Guid? TenantId, string Type, string Payload)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IntegrationEvent Create(string type, Guid? tenantId, object payload) =>
        new(Guid.CreateVersion7(), tenantId, type, JsonSerializer.Serialize(payload, Json));
}

/// <summary>
/// Writes integration events into <c>outbox_messages</c> in the transaction of the change that caused them:
/// the event exists exactly when the change does. <see cref="OutboxRelay"/> publishes them afterwards.
/// </summary>
public static class Outbox
{
    /// <summary>Adds the event inside the caller's transaction (row-level security as that transaction is keyed).</summary>
    public static async Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntegrationEvent integrationEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(integrationEvent) } };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The statement that adds the event, for a batch of the caller's own in the transaction of the change (sent with
    /// the change's statements, it costs no round trip of its own).
    /// </summary>
    public static NpgsqlBatchCommand Command(IntegrationEvent integrationEvent)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return new NpgsqlBatchCommand("INSERT INTO outbox_messages (id, tenant_id, type, payload) VALUES ($1, $2, $3, $4::jsonb)")
        {
            Parameters =
            {
                new() { Value = integrationEvent.Id },
                new() { Value = (object?)integrationEvent.TenantId ?? DBNull.Value },
                new() { Value = integrationEvent.Type },
                new() { Value = integrationEvent.Payload },
            },
        };
    }

    /// <summary>Adds the event inside <paramref name="db"/>'s current transaction, beside the change it announces.</summary>
    public static Task AddAsync(PlatformDbContext db, IntegrationEvent integrationEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException($"The event '{integrationEvent?.Type}' must be written in the transaction of the change it announces.");
        return AddAsync((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction(), integrationEvent!, cancellationToken);
    }
}
