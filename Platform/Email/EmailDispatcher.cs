using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Tenancy;

namespace Platform.Email;

/// <summary>Where a queued email stands.</summary>
public enum EmailStatus
{
    /// <summary>Waiting for (another) delivery attempt by the Workers.</summary>
    Queued,

    Sent,

    /// <summary>Every attempt failed; the message is in the dead letters.</summary>
    Failed,
}

/// <summary>
/// Delivers one queued email of the send log: locks its row, hands it to the <see cref="IEmailTransport"/>, and records
/// the outcome in the row in its own transaction (so a failure stays recorded while the queue retries the message).
/// A row no longer queued (sent already, by the other path) is left alone: each email goes out once.
/// </summary>
public sealed partial class EmailDispatcher(NpgsqlDataSource dataSource, IEmailTransport transport, TimeProvider clock, ILogger<EmailDispatcher> logger)
{
    /// <summary>
    /// Delivers <paramref name="emailId"/> now, or learns it is not queued any more. A failed attempt is recorded and
    /// thrown (the queue retries it); on the <paramref name="final"/> attempt the email is marked failed first.
    /// </summary>
    /// <param name="tenantId">The organization of the email, or null for a platform email.</param>
    /// <param name="emailId">The send log row.</param>
    /// <param name="final">Whether no retry follows a failure of this attempt.</param>
    /// <param name="skipLocked">Return at once when another process is delivering it (for the immediate attempt).</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The row's status afterwards; null when there is no such row (or it is being delivered elsewhere).</returns>
    public async Task<EmailStatus?> DeliverAsync(Guid? tenantId, Guid emailId, bool final, bool skipLocked = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (tenantId is { } tenant)
        {
            await TenantSession.ApplyAsync(connection, transaction, tenant, userId: null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        OutgoingEmail email;
        string template;
        await using (var select = new NpgsqlCommand(
            $"SELECT recipient, subject, html_body, text_body, status, template FROM email_messages WHERE id = $1 FOR UPDATE{(skipLocked ? " SKIP LOCKED" : string.Empty)}",
            connection,
            transaction) { Parameters = { new() { Value = emailId } } })
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var status = Parse(reader.GetString(4));
            if (status != EmailStatus.Queued || reader.IsDBNull(2) || reader.IsDBNull(3))
            {
                return status;
            }

            email = new OutgoingEmail(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            template = reader.GetString(5);
        }

        try
        {
            await transport.SendAsync(email, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = $"{error.GetType().Name}: {error.Message}";
            await UpdateAsync(
                connection,
                transaction,
                final
                    ? "UPDATE email_messages SET status = 'failed', attempts = attempts + 1, last_error = left($2, 2000), updated_at = $3, html_body = NULL, text_body = NULL WHERE id = $1"
                    : "UPDATE email_messages SET attempts = attempts + 1, last_error = left($2, 2000), updated_at = $3 WHERE id = $1",
                emailId,
                reason,
                cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogFailed(logger, template, emailId, final, error);
            throw;
        }

        // Sent: the bodies (which may hold one-time codes) are not kept.
        await UpdateAsync(
            connection,
            transaction,
            "UPDATE email_messages SET status = 'sent', attempts = attempts + 1, sent_at = $3, updated_at = $3, last_error = NULLIF($2, ''), html_body = NULL, text_body = NULL WHERE id = $1",
            emailId,
            string.Empty,
            cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogSent(logger, template, emailId);
        return EmailStatus.Sent;
    }

    internal static EmailStatus Parse(string status) => status switch
    {
        "sent" => EmailStatus.Sent,
        "failed" => EmailStatus.Failed,
        _ => EmailStatus.Queued,
    };

    private async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, Guid emailId, string reason, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand(sql, connection, transaction)
        {
            Parameters = { new() { Value = emailId }, new() { Value = reason }, new() { Value = clock.GetUtcNow() } },
        };
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent email {Template} {EmailId}")]
    private static partial void LogSent(ILogger logger, string template, Guid emailId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email {Template} {EmailId} was not accepted (final attempt: {Final})")]
    private static partial void LogFailed(ILogger logger, string template, Guid emailId, bool final, Exception error);
}
