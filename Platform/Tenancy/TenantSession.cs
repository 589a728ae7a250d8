using Npgsql;

namespace Platform.Tenancy;

/// <summary>
/// The one statement that keys PostgreSQL's row-level security: <c>app.tenant_id</c> and
/// <c>app.user_id</c>, either for the current transaction or for the connection lease. An empty
/// value reads as NULL through <c>app_current_tenant()</c>/<c>app_current_user()</c>: no tenant rows.
/// </summary>
public static class TenantSession
{
    public static NpgsqlBatchCommand Command(Guid? tenantId, Guid? userId, bool transactionLocal) =>
        new($"SELECT set_config('app.tenant_id', $1, {(transactionLocal ? "true" : "false")}), set_config('app.user_id', $2, {(transactionLocal ? "true" : "false")})")
        {
            Parameters =
            {
                new() { Value = tenantId?.ToString() ?? string.Empty },
                new() { Value = userId?.ToString() ?? string.Empty },
            },
        };

    /// <summary>Applies the settings inside <paramref name="transaction"/> (or, with none, for the connection lease).</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? tenantId, Guid? userId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(tenantId, userId, transaction is not null) } };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static void Apply(NpgsqlConnection connection, Guid? tenantId, Guid? userId)
    {
        using var batch = new NpgsqlBatch(connection) { BatchCommands = { Command(tenantId, userId, transactionLocal: false) } };
        batch.ExecuteNonQuery();
    }
}
