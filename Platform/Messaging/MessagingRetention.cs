using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Tenancy;

namespace Platform.Messaging;

/// <summary>What the clean-up removed in one round.</summary>
public sealed record MessagingCleanup(long InboxEntries, long ReplayedDeadLetters);

/// <summary>
/// Keeps the messaging tables from growing without end: inbox entries and replayed dead letters older than
/// <see cref="MessagingOptions.Retention"/> are deleted (published events leave the outbox as they are published).
/// Queued messages and dead letters nobody has replayed are never touched.
/// </summary>
/// <remarks>
/// An inbox entry only has to outlive every redelivery of its message (leases and retries take minutes, a relay
/// resend happens within seconds), so the retention, days by default, leaves a wide margin.
/// </remarks>
public sealed class MessagingRetention(NpgsqlDataSource dataSource, IOptions<MessagingOptions> options)
{
    /// <summary>Deletes what is past retention as of <paramref name="now"/>, in one transaction.</summary>
    public async Task<MessagingCleanup> CleanUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var cutoff = now - options.Value.Retention;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var inbox = await DeleteAsync(connection, transaction, "DELETE FROM inbox_messages WHERE handled_at < $1", cutoff, cancellationToken).ConfigureAwait(false);
        var replayed = await DeleteAsync(connection, transaction, "DELETE FROM dead_letters WHERE replayed_at < $1", cutoff, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new MessagingCleanup(inbox, replayed);
    }

    private static async Task<long> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { Parameters = { new() { Value = cutoff } } };
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
