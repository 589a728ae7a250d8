using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Platform.Access;

/// <summary>What a seeding run changed.</summary>
/// <param name="PermissionsWritten">Permissions inserted or whose texts changed.</param>
/// <param name="PermissionsRemoved">Permissions no longer in code, removed with their grants.</param>
/// <param name="RolePermissionsAdded">Grants added to system roles.</param>
/// <param name="RolePermissionsRemoved">Grants taken from system roles.</param>
public sealed record PermissionSeedResult(int PermissionsWritten, IReadOnlyList<string> PermissionsRemoved, int RolePermissionsAdded, int RolePermissionsRemoved)
{
    /// <summary>Whether the database already matched the code.</summary>
    public bool Unchanged => PermissionsWritten == 0 && PermissionsRemoved.Count == 0 && RolePermissionsAdded == 0 && RolePermissionsRemoved == 0;
}

/// <summary>
/// Writes <see cref="PermissionCatalogue"/> and <see cref="SystemRoles"/> to the database, idempotently, as the
/// database owner right after migrations: upserts the permissions, removes those no longer in code (and their
/// grants to any role), upserts the system roles under their fixed ids and makes their grants match the code.
/// </summary>
/// <remarks>
/// A system role dropped from code is left in the database: deleting it would silently end its assignments,
/// which deserves a migration of its own.
/// </remarks>
public static partial class PermissionCatalogueSeeder
{
    // Replicas starting together seed one after the other; the lock is released when the transaction ends.
    private const long AdvisoryLockKey = 0x5E_71_A7_F0_13;

    /// <summary>Seeds in one transaction; running it again changes nothing.</summary>
    public static async Task<PermissionSeedResult> SeedAsync(string ownerConnectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);

        var catalogue = PermissionCatalogue.All;
        var names = catalogue.Select(p => p.Name).ToArray();
        var written = await ExecuteAsync(
            connection,
            transaction,
            """
            INSERT INTO permissions (name, group_name, display_name, description)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
            ON CONFLICT (name) DO UPDATE
                SET group_name = excluded.group_name, display_name = excluded.display_name, description = excluded.description
                WHERE (permissions.group_name, permissions.display_name, permissions.description)
                      IS DISTINCT FROM (excluded.group_name, excluded.display_name, excluded.description)
            """,
            cancellationToken,
            names,
            catalogue.Select(p => p.Group).ToArray(),
            catalogue.Select(p => p.DisplayName).ToArray(),
            catalogue.Select(p => p.Description).ToArray());

        var removed = new List<string>();
        await using (var delete = new NpgsqlCommand("DELETE FROM permissions WHERE name <> ALL($1) RETURNING name", connection, transaction) { Parameters = { new() { Value = names } } })
        await using (var reader = await delete.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                removed.Add(reader.GetString(0));
            }
        }

        var roles = SystemRoles.All;
        await ExecuteAsync(
            connection,
            transaction,
            """
            INSERT INTO roles (id, tenant_id, name, description, is_system, rank)
            SELECT id, NULL, name, description, true, rank FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS r (id, name, description, rank)
            ON CONFLICT (id) DO UPDATE
                SET name = excluded.name, description = excluded.description, rank = excluded.rank, updated_at = now()
                WHERE (roles.name, roles.description, roles.rank) IS DISTINCT FROM (excluded.name, excluded.description, excluded.rank)
            """,
            cancellationToken,
            roles.Select(r => r.Id).ToArray(),
            roles.Select(r => r.Name).ToArray(),
            roles.Select(r => r.Description).ToArray(),
            roles.Select(r => (int)r.Rank).ToArray());

        var grants = roles.SelectMany(r => r.Permissions.Select(p => (r.Id, Permission: p))).ToArray();
        var grantRoleIds = grants.Select(g => g.Id).ToArray();
        var grantNames = grants.Select(g => g.Permission).ToArray();
        var grantsAdded = await ExecuteAsync(
            connection,
            transaction,
            """
            INSERT INTO role_permissions (role_id, permission_name)
            SELECT * FROM unnest($1::uuid[], $2::text[])
            ON CONFLICT DO NOTHING
            """,
            cancellationToken,
            grantRoleIds,
            grantNames);
        var grantsRemoved = await ExecuteAsync(
            connection,
            transaction,
            """
            DELETE FROM role_permissions rp
            USING roles r
            WHERE rp.role_id = r.id AND r.is_system
              AND (rp.role_id, rp.permission_name) NOT IN (SELECT * FROM unnest($1::uuid[], $2::text[]))
            """,
            cancellationToken,
            grantRoleIds,
            grantNames);

        await transaction.CommitAsync(cancellationToken);

        var result = new PermissionSeedResult(written, removed, grantsAdded, grantsRemoved);
        if (result.Unchanged)
        {
            LogUpToDate(logger, catalogue.Count, roles.Count);
        }
        else
        {
            LogSeeded(logger, catalogue.Count, written, removed.Count, grantsAdded, grantsRemoved);
            if (removed.Count > 0)
            {
                LogRemoved(logger, string.Join(", ", removed));
            }
        }

        return result;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Permission catalogue up to date ({Permissions} permissions, {Roles} system roles)")]
    private static partial void LogUpToDate(ILogger logger, int permissions, int roles);

    [LoggerMessage(Level = LogLevel.Information, Message = "Permission catalogue seeded: {Permissions} permissions, {Written} written, {Removed} removed; system role grants +{GrantsAdded} -{GrantsRemoved}")]
    private static partial void LogSeeded(ILogger logger, int permissions, int written, int removed, int grantsAdded, int grantsRemoved);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Permissions removed from the catalogue, with their grants: {Names}")]
    private static partial void LogRemoved(ILogger logger, string names);
}
