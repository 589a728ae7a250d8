using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Platform.Tenancy;

/// <summary>
/// Keys PostgreSQL's row-level security on the current tenant: whenever EF Core opens a
/// connection it sets <c>app.tenant_id</c> and <c>app.user_id</c> for that connection lease.
/// Npgsql discards session state (DISCARD ALL) when the connection returns to the pool, so the
/// values never leak into another lease; unset, the policies match no row.
/// </summary>
public sealed class TenantConnectionInterceptor(TenantContext tenant) : DbConnectionInterceptor
{
    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = BuildCommand(connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = BuildCommand(connection);
        command.ExecuteNonQuery();
    }

    private NpgsqlCommand BuildCommand(DbConnection connection) =>
        new("SELECT set_config('app.tenant_id', $1, false), set_config('app.user_id', $2, false)", (NpgsqlConnection)connection)
        {
            Parameters =
            {
                new() { Value = tenant.TenantId?.ToString() ?? string.Empty },
                new() { Value = tenant.UserId?.ToString() ?? string.Empty },
            },
        };
}
