using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Platform.Data;

namespace Platform.Tenancy;

/// <summary>
/// Keys PostgreSQL's row-level security on everything EF Core sends, with <see cref="TenantSession"/>'s statement
/// for the context's current tenant and user; unset, the policies match no row.
/// <list type="bullet">
/// <item>Queries and raw SQL: the command starts with the statement, in the same round trip. The settings are
/// transaction-local, so they end with the command (or the explicit transaction it runs in).</item>
/// <item>SaveChanges: always inside a transaction (<see cref="PlatformDbContext"/> asks for one), keyed when the
/// transaction starts. Its batches cannot carry an extra statement: EF reads rows affected by statement position.</item>
/// </list>
/// Nothing outlives the connection lease, so the pool needs no reset.
/// </summary>
public sealed class TenantSessionInterceptor : IDbCommandInterceptor, IDbTransactionInterceptor
{
    public static TenantSessionInterceptor Instance { get; } = new();

    private TenantSessionInterceptor()
    {
    }

    public DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        ArgumentNullException.ThrowIfNull(result);
        if (eventData.CommandSource == CommandSource.SaveChanges)
        {
            // Fail closed rather than write without the tenant's keys.
            return result.Transaction is not null
                ? result
                : throw new InvalidOperationException("SaveChanges ran outside a transaction, so row-level security would not know the tenant.");
        }

        var context = Context(eventData);
        TenantSession.Prefix(result, context.CurrentTenantId, context.CurrentUserId);
        return result;
    }

    public async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(connection, eventData, result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async ValueTask<DbTransaction> TransactionUsedAsync(DbConnection connection, TransactionEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(connection, eventData, result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    // EF's synchronous paths (BeginTransaction, UseTransaction) get the same statement, waited for.
    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result) =>
        ApplyAndWait(connection, eventData, result);

    public DbTransaction TransactionUsed(DbConnection connection, TransactionEventData eventData, DbTransaction result) =>
        ApplyAndWait(connection, eventData, result);

    private static DbTransaction ApplyAndWait(DbConnection connection, TransactionEventData eventData, DbTransaction transaction)
    {
        ApplyAsync(connection, eventData, transaction, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return transaction;
    }

    private static async ValueTask ApplyAsync(DbConnection connection, TransactionEventData eventData, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var context = Context(eventData);
        await TenantSession.ApplyAsync((NpgsqlConnection)connection, (NpgsqlTransaction)transaction, context.CurrentTenantId, context.CurrentUserId, cancellationToken)
            .ConfigureAwait(false);
    }

    private static PlatformDbContext Context(DbContextEventData eventData) =>
        eventData.Context as PlatformDbContext
            ?? throw new InvalidOperationException($"{nameof(TenantSessionInterceptor)} serves {nameof(PlatformDbContext)} only.");
}
