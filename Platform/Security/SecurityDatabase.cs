using System.Net.Sockets;
using Npgsql;
using Platform.Caching;
using Platform.Tenancy;

namespace Platform.Security;

/// <summary>The module's unit of work: a transaction on the application role with <c>app.tenant_id</c> set (or cleared, for platform events).</summary>
internal static class SecurityDatabase
{
    public static async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> BeginAsync(
        NpgsqlDataSource dataSource, Guid? tenantId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // No tenant reads as NULL through app_current_tenant(): platform rows only.
            await TenantSession.ApplyAsync(connection, transaction, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
            return (connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>Failures that mean Redis is unreachable or slow, as opposed to a bug in the caller.</summary>
    public static bool IsRedisUnavailable(Exception error) =>
        error is RedisException or TimeoutException or IOException or SocketException or ObjectDisposedException;
}
