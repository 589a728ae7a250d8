using Npgsql;

namespace Platform.Tenancy;

/// <summary>
/// One unit of work for code that uses Npgsql directly: a connection from the data source and a transaction on it,
/// with row-level security keyed for that transaction by <see cref="TenantSession.ApplyAsync"/>. The settings are
/// transaction-local, so they key exactly the commands made through <see cref="Command"/> and end with the transaction.
/// </summary>
internal sealed class TenantTransaction : IAsyncDisposable
{
    private TenantTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>Opens a connection and begins a transaction keyed to <paramref name="tenantId"/> and <paramref name="userId"/>.</summary>
    /// <param name="dataSource">The application role's data source.</param>
    /// <param name="tenantId">The organization; null reads as no tenant through <c>app_current_tenant()</c>: platform rows only.</param>
    /// <param name="userId">The acting user, or null.</param>
    /// <param name="cancellationToken">Cancels opening and keying.</param>
    public static async Task<TenantTransaction> BeginAsync(NpgsqlDataSource dataSource, Guid? tenantId, Guid? userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await TenantSession.ApplyAsync(connection, transaction, tenantId, userId, cancellationToken).ConfigureAwait(false);
            return new TenantTransaction(connection, transaction);
        }
        catch
        {
            // Disposing the connection also ends a transaction begun on it.
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A command in this transaction with positional parameters ($1, $2...); a null value is sent as SQL NULL.</summary>
    public NpgsqlCommand Command(string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
