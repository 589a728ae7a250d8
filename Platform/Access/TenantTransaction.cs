using Npgsql;

namespace Platform.Access;

/// <summary>
/// A transaction on the application role with <c>app.tenant_id</c> and <c>app.user_id</c> set for its
/// duration (set_config(..., true)), so row-level security sees the organization and the acting user.
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

    public static async Task<TenantTransaction> BeginAsync(NpgsqlDataSource dataSource, Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await Tenancy.TenantSession.ApplyAsync(connection, transaction, tenantId, userId, cancellationToken);
            return new TenantTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public NpgsqlCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
