using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Platform.Tenancy;

/// <summary>
/// Keys PostgreSQL's row-level security on the current tenant: whenever EF Core opens a
/// connection it sets <c>app.tenant_id</c> and <c>app.user_id</c> for that connection lease.
/// Npgsql resets session state when the connection returns to the pool (tested), so the
/// values never leak into another lease; unset, the policies match no row.
/// </summary>
public sealed class TenantConnectionInterceptor(TenantContext tenant) : DbConnectionInterceptor
{
    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        TenantSession.ApplyAsync((NpgsqlConnection)connection, null, tenant.TenantId, tenant.UserId, cancellationToken);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        TenantSession.Apply((NpgsqlConnection)connection, tenant.TenantId, tenant.UserId);
}
