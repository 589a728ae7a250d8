using Npgsql;
using Platform.Tenancy;

namespace Platform.Email;

/// <summary>One email of the send log (no bodies: they are not kept once sent).</summary>
public sealed record EmailLogEntry(
    Guid Id, string Template, string Culture, string Recipient, string Subject, EmailStatus Status, int Attempts, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? SentAt);

/// <summary>The organization's send log, read under row-level security.</summary>
public sealed class EmailLog(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, template, culture, recipient, subject, status, attempts, last_error, created_at, updated_at, sent_at";

    /// <summary>Newest first, continuing after (<paramref name="beforeCreatedAt"/>, <paramref name="beforeId"/>) when given.</summary>
    public async Task<IReadOnlyList<EmailLogEntry>> ListAsync(
        Guid tenantId, int limit, DateTimeOffset? beforeCreatedAt = null, Guid? beforeId = null, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command(
            $"""
            SELECT {Columns} FROM email_messages
            WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
            ORDER BY created_at DESC, id DESC LIMIT $4
            """,
            tenantId,
            beforeCreatedAt,
            beforeId ?? Guid.Empty,
            limit);
        return await ReadAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task<EmailLogEntry?> GetAsync(Guid tenantId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM email_messages WHERE tenant_id = $1 AND id = $2", tenantId, id);
        return (await ReadAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    private static async Task<IReadOnlyList<EmailLogEntry>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<EmailLogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new EmailLogEntry(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), EmailDispatcher.Parse(reader.GetString(5)),
                reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
        }

        return entries;
    }
}
