using System.Data.Common;
using Npgsql;

namespace Platform.Tenancy;

/// <summary>
/// The one statement that keys PostgreSQL's row-level security: <c>CALL app_set_tenant(tenant, user)</c>,
/// which sets <c>app.tenant_id</c> and <c>app.user_id</c> for the current transaction only. An empty value
/// reads as NULL through <c>app_current_tenant()</c>/<c>app_current_user()</c>: no tenant rows.
/// </summary>
/// <remarks>
/// Nothing here sets a value for the whole connection, and nothing else in the platform may: the pool
/// skips its reset statements (<c>No Reset On Close</c>), which is only safe while no session state exists.
/// </remarks>
public static class TenantSession
{
    private const string TenantParameter = "__app_tenant";
    private const string UserParameter = "__app_user";

    /// <summary>The prefix <see cref="TenantSessionInterceptor"/> puts before each EF Core command (named parameters).</summary>
    internal const string CommandPrefix = $"CALL app_set_tenant(@{TenantParameter}, @{UserParameter});\n";

    /// <summary>The statement for a batch or transaction of one's own (positional parameters).</summary>
    public static NpgsqlBatchCommand Command(Guid? tenantId, Guid? userId) =>
        new("CALL app_set_tenant($1, $2)")
        {
            Parameters = { new() { Value = Text(tenantId) }, new() { Value = Text(userId) } },
        };

    /// <summary>
    /// The platform's own scope, for Workers that process every organization's messages: row-level security lets
    /// through the rows of policies that allow it (<c>app_in_system_scope()</c>), and no tenant is set.
    /// </summary>
    public static NpgsqlBatchCommand SystemCommand() => new("CALL app_set_system_scope()");

    /// <summary>Enters the system scope inside <paramref name="transaction"/>, for the rest of it.</summary>
    public static async Task ApplySystemAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { SystemCommand() } };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies the settings inside <paramref name="transaction"/>, for the rest of it.</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? tenantId, Guid? userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(tenantId, userId) } };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes <paramref name="command"/> (named parameters, as EF Core writes them) set the tenant first, in the
    /// same round trip: the statements of one command share one transaction, so the settings key exactly them.
    /// </summary>
    internal static void Prefix(DbCommand command, Guid? tenantId, Guid? userId)
    {
        command.CommandText = CommandPrefix + command.CommandText;
        command.Parameters.Add(new NpgsqlParameter(TenantParameter, Text(tenantId)));
        command.Parameters.Add(new NpgsqlParameter(UserParameter, Text(userId)));
    }

    private static string Text(Guid? id) => id?.ToString() ?? string.Empty;
}
