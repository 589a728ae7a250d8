using System.Diagnostics;
using Npgsql;

namespace Platform.Audit;

/// <summary>
/// Appends audit entries to the tenant's hash chain inside the caller's transaction, so an entry
/// commits or rolls back with the change it describes.
/// </summary>
/// <remarks>
/// Appends for one tenant are serialized by a row lock on the tenant's chain head, held until the
/// caller's transaction ends: keep audited transactions short. The transaction must have set
/// <c>app.tenant_id</c> to the entry's tenant (or nothing, for a platform event), or row-level
/// security refuses the row.
/// </remarks>
public sealed class AuditWriter(TimeProvider timeProvider)
{
    /// <summary>Appends <paramref name="entry"/> and returns the stored row (its chain position and hashes).</summary>
    /// <exception cref="InvalidOperationException">No partition exists for the current month.</exception>
    public async Task<AuditRecord> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Action);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.ResourceType);

        var chainKey = AuditColumns.ChainKey(entry.TenantId);
        var rawChanges = entry.Changes is { ValueKind: not System.Text.Json.JsonValueKind.Undefined } json ? json.GetRawText() : null;

        // One round trip: create the head on first use (a concurrent first append waits on the
        // insert, then finds the row), lock it, and let jsonb normalize the changes so the hash
        // covers exactly the text the verifier will read back.
        long headSequence;
        byte[] headHash;
        string? canonicalChanges;
        await using (var lockHead = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("INSERT INTO audit_chain_heads (tenant_id, sequence, hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING")
                {
                    Parameters = { new() { Value = chainKey }, new() { Value = AuditChainHash.Genesis } },
                },
                new("SELECT sequence, hash, $2::jsonb::text FROM audit_chain_heads WHERE tenant_id = $1 FOR UPDATE")
                {
                    Parameters = { new() { Value = chainKey }, new() { Value = (object?)rawChanges ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } },
                },
            },
        })
        {
            await using var reader = await lockHead.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    $"The audit chain head of tenant {entry.TenantId?.ToString() ?? "(platform)"} is not visible: set app.tenant_id to the entry's tenant in this transaction.");
            }

            headSequence = reader.GetInt64(0);
            headHash = reader.GetFieldValue<byte[]>(1);
            canonicalChanges = AuditChainHash.Canonicalize(reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        // Stamped after taking the lock, so time follows sequence within a tenant's chain.
        var record = new AuditRecord(
            0,
            entry.TenantId,
            headSequence + 1,
            AuditChainHash.TruncateToMicroseconds(timeProvider.GetUtcNow()),
            entry.ActorType,
            entry.ActorId,
            entry.Action,
            entry.ResourceType,
            entry.ResourceId,
            canonicalChanges,
            entry.Ip,
            entry.UserAgent,
            entry.TraceId ?? Activity.Current?.TraceId.ToHexString(),
            entry.IsSecurityEvent,
            headHash,
            []);
        var hash = AuditChainHash.Compute(record, canonicalChanges);

        await using var append = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("""
                    INSERT INTO audit_logs (tenant_id, occurred_at, actor_id, actor_type, action, resource_type, resource_id,
                                            changes, ip, user_agent, trace_id, is_security_event, sequence, previous_hash, hash)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14, $15)
                    RETURNING id
                    """)
                {
                    Parameters =
                    {
                        AuditColumns.Parameter(record.TenantId),
                        AuditColumns.Parameter(record.OccurredAt),
                        AuditColumns.Parameter(record.ActorId),
                        AuditColumns.Parameter(AuditColumns.ToText(record.ActorType)),
                        AuditColumns.Parameter(record.Action),
                        AuditColumns.Parameter(record.ResourceType),
                        AuditColumns.Parameter(record.ResourceId),
                        new() { Value = (object?)canonicalChanges ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                        AuditColumns.Parameter(record.Ip),
                        AuditColumns.Parameter(record.UserAgent),
                        AuditColumns.Parameter(record.TraceId),
                        AuditColumns.Parameter(record.IsSecurityEvent),
                        AuditColumns.Parameter(record.Sequence),
                        AuditColumns.Parameter(record.PreviousHash),
                        AuditColumns.Parameter(hash),
                    },
                },
                new("UPDATE audit_chain_heads SET sequence = $2, hash = $3 WHERE tenant_id = $1")
                {
                    Parameters = { new() { Value = chainKey }, new() { Value = record.Sequence }, new() { Value = hash } },
                },
            },
        };

        try
        {
            var id = (long)(await append.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return record with { Id = id, Hash = hash };
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation && ex.MessageText.Contains("no partition", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"No audit_logs partition covers {record.OccurredAt:yyyy-MM}: run AuditPartitionMaintenance.EnsurePartitionsAsync (the scheduled job creates months ahead).", ex);
        }
    }
}
