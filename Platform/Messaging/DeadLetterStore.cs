using Npgsql;
using Platform.Tenancy;

namespace Platform.Messaging;

/// <summary>
/// Messages that failed every attempt: listed and replayed per organization (row-level security keyed to it), or
/// across organizations by the platform (no tenant: the system scope). A replay sends the message again through
/// the configured <see cref="IMessageTransport"/>, so it reaches its consumers whichever transport runs.
/// </summary>
public sealed class DeadLetterStore(NpgsqlDataSource dataSource, IMessageTransport transport)
{
    private const string Columns = "id, queue, message_id, tenant_id, type, payload::text, attempts, last_error, enqueued_at, dead_at, replayed_at";

    /// <summary>
    /// Newest first, <paramref name="limit"/> at a time, continuing after (<paramref name="beforeDeadAt"/>, <paramref name="beforeId"/>)
    /// when given; <paramref name="tenantId"/> null lists every organization's (platform operators).
    /// </summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(Guid? tenantId, int limit, DateTimeOffset? beforeDeadAt = null, Guid? beforeId = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = Scoped(connection, tenantId,
            $"""
            SELECT {Columns} FROM dead_letters
            WHERE $2::timestamptz IS NULL OR (dead_at, id) < ($2, $3)
            ORDER BY dead_at DESC, id DESC LIMIT $1
            """,
            limit, beforeDeadAt, beforeId ?? Guid.Empty);
        return await ReadAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One letter, if <paramref name="tenantId"/> may see it.</summary>
    public async Task<DeadLetter?> GetAsync(Guid deadLetterId, Guid? tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = Scoped(connection, tenantId, $"SELECT {Columns} FROM dead_letters WHERE id = $1", deadLetterId);
        return (await ReadAsync(batch, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>
    /// Queues the message again under its original id, with fresh attempts, and marks the letter replayed. False when
    /// there is no such letter for <paramref name="tenantId"/> or it was replayed already.
    /// </summary>
    public async Task<bool> ReplayAsync(Guid deadLetterId, Guid? tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (tenantId is { } id)
        {
            await TenantSession.ApplyAsync(connection, transaction, id, userId: null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        var replayed = await ReplayAsync(connection, transaction, deadLetterId, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return replayed is not null;
    }

    /// <summary>
    /// The replay inside the caller's transaction (keyed by the caller), e.g. beside its audit entry: the letter is
    /// marked (and locked) first, then the message is sent. A failed send throws, so the caller's rollback leaves the
    /// letter to replay again; a commit that fails after the send can at worst queue it twice, which consumers'
    /// inboxes absorb. Null when there is no such letter or it was replayed already.
    /// </summary>
    public async Task<DeadLetter?> ReplayAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid deadLetterId, CancellationToken cancellationToken = default)
    {
        DeadLetter? letter;
        await using (var command = new NpgsqlCommand(
            $"UPDATE dead_letters SET replayed_at = now() WHERE id = $1 AND replayed_at IS NULL RETURNING {Columns}, priority", connection, transaction)
        {
            Parameters = { new() { Value = deadLetterId } },
        })
        {
            letter = (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        }

        if (letter is not null)
        {
            await transport.SendAsync(letter.Queue, [new OutgoingMessage(letter.MessageId, letter.TenantId, letter.Type, letter.Payload, letter.Priority)], cancellationToken)
                .ConfigureAwait(false);
        }

        return letter;
    }

    private static async Task<IReadOnlyList<DeadLetter>> ReadAsync(System.Data.Common.DbBatch batch, CancellationToken cancellationToken)
    {
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<DeadLetter>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<DeadLetter>> ReadAsync(System.Data.Common.DbDataReader reader, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            letters.Add(new DeadLetter(
                reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.GetString(4),
                reader.GetString(5), reader.GetInt32(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10))
            {
                Priority = reader.FieldCount > 11 ? reader.GetInt16(11) : (short)0,
            });
        }

        return letters;
    }

    private static NpgsqlBatch Scoped(NpgsqlConnection connection, Guid? tenantId, string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        var scope = tenantId is { } id ? TenantSession.Command(id, userId: null) : TenantSession.SystemCommand();
        return new NpgsqlBatch(connection) { BatchCommands = { scope, command } };
    }
}
