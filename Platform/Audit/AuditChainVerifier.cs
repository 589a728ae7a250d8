using Npgsql;

namespace Platform.Audit;

/// <summary>Why a chain failed verification.</summary>
public enum AuditChainBreakReason
{
    /// <summary>The row's sequence is not the next one: entries are missing (or repeated) before it.</summary>
    SequenceGap,

    /// <summary>The row does not point at the previous row's hash: a row before it was replaced.</summary>
    PreviousHashMismatch,

    /// <summary>The row's content no longer produces its stored hash: the row was altered.</summary>
    HashMismatch,

    /// <summary>The chain head records entries after the last row found: the newest entries are missing.</summary>
    HeadMismatch,
}

/// <summary>The first place a tenant's chain breaks.</summary>
/// <param name="Id">The row where the break shows; <see langword="null"/> for <see cref="AuditChainBreakReason.HeadMismatch"/>, where the row is gone.</param>
/// <param name="Sequence">The chain position of that row (the expected position when it is missing).</param>
/// <param name="Reason">What is wrong.</param>
/// <param name="Detail">A sentence for the operator.</param>
public sealed record AuditChainBreak(long? Id, long Sequence, AuditChainBreakReason Reason, string Detail);

/// <summary>The outcome of verifying one tenant's chain.</summary>
/// <param name="RowsChecked">Rows read, up to and including the first broken one.</param>
/// <param name="FirstBreak">The first break, or <see langword="null"/> when the chain is intact.</param>
public sealed record AuditChainVerification(long RowsChecked, AuditChainBreak? FirstBreak)
{
    /// <summary>Every row is present, in order, unaltered, and the chain head agrees.</summary>
    public bool IsValid => FirstBreak is null;
}

/// <summary>
/// Recomputes a tenant's hash chain from its stored rows, streaming them in sequence order so a
/// long history never sits in memory. Starts from the retention anchor when old partitions were
/// dropped, and ends by comparing with the chain head, which catches a deleted tail.
/// </summary>
public sealed class AuditChainVerifier(NpgsqlDataSource dataSource)
{
    /// <summary>Verifies the chain of <paramref name="tenantId"/> (<see langword="null"/>: the platform's own events).</summary>
    public async Task<AuditChainVerification> VerifyAsync(Guid? tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await AuditColumns.BeginReadAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
        var chainKey = AuditColumns.ChainKey(tenantId);

        var anchor = await ReadChainRowAsync(connection, transaction, "audit_chain_anchors", chainKey, cancellationToken).ConfigureAwait(false);
        var head = await ReadChainRowAsync(connection, transaction, "audit_chain_heads", chainKey, cancellationToken).ConfigureAwait(false);

        var expectedSequence = (anchor?.Sequence ?? 0) + 1;
        var previousHash = anchor?.Hash ?? AuditChainHash.Genesis;
        long rowsChecked = 0;

        // The tenant filter repeats the policy on purpose: it keeps the check right even when an
        // owner connection (which bypasses row-level security) runs it.
        await using (var command = new NpgsqlCommand(
            $"SELECT {AuditColumns.Select} FROM audit_logs WHERE {(tenantId is null ? "tenant_id IS NULL" : "tenant_id = $1")} ORDER BY sequence, id",
            connection,
            transaction))
        {
            if (tenantId is not null)
            {
                command.Parameters.Add(new() { Value = tenantId.Value });
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = AuditColumns.Read(reader);
                rowsChecked++;
                var failure = Check(row, expectedSequence, previousHash);
                if (failure is not null)
                {
                    return new AuditChainVerification(rowsChecked, failure);
                }

                previousHash = row.Hash;
                expectedSequence++;
            }
        }

        var lastSequence = expectedSequence - 1;
        if (head is not null && (head.Value.Sequence != lastSequence || !head.Value.Hash.AsSpan().SequenceEqual(previousHash)))
        {
            return new AuditChainVerification(rowsChecked, new AuditChainBreak(
                null,
                lastSequence + 1,
                AuditChainBreakReason.HeadMismatch,
                $"The chain head records {head.Value.Sequence} entries but the log ends at entry {lastSequence}."));
        }

        return new AuditChainVerification(rowsChecked, null);
    }

    private static AuditChainBreak? Check(AuditRecord row, long expectedSequence, byte[] previousHash)
    {
        if (row.Sequence != expectedSequence)
        {
            return new(row.Id, row.Sequence, AuditChainBreakReason.SequenceGap, $"Expected entry {expectedSequence}, found entry {row.Sequence}.");
        }

        if (!row.PreviousHash.AsSpan().SequenceEqual(previousHash))
        {
            return new(row.Id, row.Sequence, AuditChainBreakReason.PreviousHashMismatch, $"Entry {row.Sequence} does not follow the hash of entry {row.Sequence - 1}.");
        }

        var computed = AuditChainHash.Compute(row, AuditChainHash.Canonicalize(row.Changes));
        if (!computed.AsSpan().SequenceEqual(row.Hash))
        {
            return new(row.Id, row.Sequence, AuditChainBreakReason.HashMismatch, $"Entry {row.Sequence} was altered after it was written.");
        }

        return null;
    }

    private static async Task<(long Sequence, byte[] Hash)?> ReadChainRowAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string table, Guid chainKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT sequence, hash FROM {table} WHERE tenant_id = $1", connection, transaction)
        {
            Parameters = { new() { Value = chainKey } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : null;
    }
}
