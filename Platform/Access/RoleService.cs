using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Audit;
using Platform.Tenancy;
using Platform.Validation;
using Platform.Messaging;

namespace Platform.Access;

/// <summary>
/// An organization's roles and their assignment to members, always on behalf of an acting member
/// (<c>actorId</c>) and under row-level security for the organization (<c>tenantId</c>).
/// </summary>
/// <remarks>
/// Rules, enforced in the same transaction as the change:
/// <list type="bullet">
/// <item>the actor needs <c>roles.read</c>/<c>roles.create</c>/<c>roles.update</c>/<c>roles.delete</c>/<c>roles.assign</c> for the operation;</item>
/// <item>nobody can grant a permission they do not hold: the actor must hold every permission of a role they
/// create, edit (before and after), delete, assign or unassign (<see cref="AccessDeniedException"/>);</item>
/// <item>unknown permission names are refused, named (<see cref="UnknownPermissionException"/>);</item>
/// <item>system roles cannot be edited or deleted, the last owner cannot lose the owner role, custom role names are
/// unique and cannot take a system role's name (<see cref="AccessRuleViolationException"/>).</item>
/// </list>
/// Every change invalidates the organization's cached permissions after it commits; if Redis cannot be reached
/// the call fails after the change was made, and retrying it (the operations are idempotent) invalidates again.
/// </remarks>
public sealed partial class RoleService(NpgsqlDataSource dataSource, PermissionEvaluator evaluator, AuditWriter audit, RequestOrigin origin, ILogger<RoleService> logger)
{
    private const int MaxNameLength = 100;
    private const int MaxDescriptionLength = 500;

    /// <summary>The system roles and the organization's custom roles, system roles first (highest rank first).</summary>
    public async Task<IReadOnlyList<Role>> ListRolesAsync(Guid tenantId, Guid actorId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, actorId, cancellationToken);
        Require(await PermissionEvaluator.LoadAsync(transaction, tenantId, actorId, cancellationToken), Permissions.Roles.Read, "list roles");
        var roles = await ReadRolesAsync(transaction, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return roles;
    }

    /// <summary>Creates a custom role with <paramref name="permissions"/>, all of which the actor must hold.</summary>
    public async Task<Role> CreateRoleAsync(Guid tenantId, Guid actorId, string name, string? description, IEnumerable<string> permissions, CancellationToken cancellationToken = default)
    {
        (name, description) = ValidateTexts(name, description);
        var requested = Distinct(permissions);
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, actorId, cancellationToken);
        var held = await PermissionEvaluator.LoadAsync(transaction, tenantId, actorId, cancellationToken);
        Require(held, Permissions.Roles.Create, "create roles");
        RefuseReservedName(name);
        RequireKnown(requested);
        RequireHeld(held, requested, "grant");

        Guid roleId;
        try
        {
            await using var insert = transaction.Command("INSERT INTO roles (tenant_id, name, description) VALUES ($1, $2, $3) RETURNING id", tenantId, name, description);
            roleId = (Guid)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw NameTaken(name);
        }

        await GrantAsync(transaction, roleId, requested, cancellationToken);
        await AuditAsync(transaction, tenantId, actorId, "role.created", roleId.ToString(), null, new { name, description, permissions = requested.Order() }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await evaluator.InvalidateTenantAsync(tenantId, cancellationToken);
        LogRoleCreated(logger, tenantId, actorId, roleId, name, requested.Count);
        return new Role(roleId, name, description, IsSystem: false, Rank: null, requested);
    }

    /// <summary>
    /// Renames a custom role and replaces its permissions. The actor must hold every permission it had and
    /// every permission it will have.
    /// </summary>
    public async Task<Role> UpdateRoleAsync(Guid tenantId, Guid actorId, Guid roleId, string name, string? description, IEnumerable<string> permissions, CancellationToken cancellationToken = default)
    {
        (name, description) = ValidateTexts(name, description);
        var requested = Distinct(permissions);
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, actorId, cancellationToken);
        var held = await PermissionEvaluator.LoadAsync(transaction, tenantId, actorId, cancellationToken);
        Require(held, Permissions.Roles.Update, "edit roles");
        var role = await FindRoleAsync(transaction, roleId, cancellationToken);
        RefuseSystemRole(role, "edited");
        RefuseReservedName(name);
        RequireKnown(requested);
        RequireHeld(held, role.Permissions.Union(requested), "change");

        try
        {
            await using var update = transaction.Command("UPDATE roles SET name = $2, description = $3, updated_at = now() WHERE id = $1", roleId, name, description);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw NameTaken(name);
        }

        await using (var revoke = transaction.Command("DELETE FROM role_permissions WHERE role_id = $1 AND permission_name <> ALL($2)", roleId, requested.ToArray()))
        {
            await revoke.ExecuteNonQueryAsync(cancellationToken);
        }

        await GrantAsync(transaction, roleId, requested, cancellationToken);
        await AuditAsync(transaction, tenantId, actorId, "role.updated", roleId.ToString(),
            new { role.Name, role.Description, permissions = role.Permissions.Order() }, new { name, description, permissions = requested.Order() }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await evaluator.InvalidateTenantAsync(tenantId, cancellationToken);
        LogRoleUpdated(logger, tenantId, actorId, roleId, requested.Count);
        return new Role(roleId, name, description, IsSystem: false, Rank: null, requested);
    }

    /// <summary>Deletes a custom role; its assignments end with it. The actor must hold all of its permissions.</summary>
    public async Task DeleteRoleAsync(Guid tenantId, Guid actorId, Guid roleId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, actorId, cancellationToken);
        var held = await PermissionEvaluator.LoadAsync(transaction, tenantId, actorId, cancellationToken);
        Require(held, Permissions.Roles.Delete, "delete roles");
        var role = await FindRoleAsync(transaction, roleId, cancellationToken);
        RefuseSystemRole(role, "deleted");
        RequireHeld(held, role.Permissions, "delete a role with");

        await using (var delete = transaction.Command("DELETE FROM roles WHERE id = $1", roleId))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await AuditAsync(transaction, tenantId, actorId, "role.deleted", roleId.ToString(), new { role.Name, permissions = role.Permissions.Order() }, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await evaluator.InvalidateTenantAsync(tenantId, cancellationToken);
        LogRoleDeleted(logger, tenantId, actorId, roleId);
    }

    /// <summary>
    /// Gives a member a role (a system role or one of the organization's). The actor must hold all of its permissions.
    /// Returns false when the member already held it.
    /// </summary>
    public async Task<bool> AssignRoleAsync(Guid tenantId, Guid actorId, Guid userId, Guid roleId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, actorId, cancellationToken);
        var held = await PermissionEvaluator.LoadAsync(transaction, tenantId, actorId, cancellationToken);
        Require(held, Permissions.Roles.Assign, "assign roles");
        var role = await FindRoleAsync(transaction, roleId, cancellationToken);
        RequireHeld(held, role.Permissions, $"assign the role '{role.Name}' with");
        await RequireMemberAsync(transaction, tenantId, userId, cancellationToken);

        await using var insert = transaction.Command(
            "INSERT INTO member_roles (tenant_id, user_id, role_id, granted_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            tenantId,
            userId,
            roleId,
            actorId);
        var added = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (added)
        {
            await AuditAsync(transaction, tenantId, actorId, "role.assigned", $"{userId}/{roleId}", null, new { userId, roleId, role = role.Name }, cancellationToken);
            await Outbox.AddAsync(transaction.Connection, transaction.Transaction,
                IntegrationEvent.Create(EventTypes.MemberRoleAssigned, tenantId, new { userId, roleId, role = role.Name }), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (added)
        {
            await evaluator.InvalidateTenantAsync(tenantId, cancellationToken);
            LogRoleAssigned(logger, tenantId, actorId, userId, roleId);
        }

        return added;
    }

    /// <summary>
    /// Takes a role from a member. The actor must hold all of its permissions, and the organization's last owner
    /// keeps the owner role. Returns false when the member did not hold it.
    /// </summary>
    public async Task<bool> UnassignRoleAsync(Guid tenantId, Guid actorId, Guid userId, Guid roleId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, actorId, cancellationToken);
        var held = await PermissionEvaluator.LoadAsync(transaction, tenantId, actorId, cancellationToken);
        Require(held, Permissions.Roles.Assign, "remove roles");
        var role = await FindRoleAsync(transaction, roleId, cancellationToken);
        RequireHeld(held, role.Permissions, $"remove the role '{role.Name}' with");

        if (roleId == SystemRoles.Owner.Id)
        {
            // Locking every owner assignment serializes concurrent removals: two owners removing each other
            // cannot both see the other one still there.
            await using var owners = transaction.Command("SELECT user_id FROM member_roles WHERE tenant_id = $1 AND role_id = $2 FOR UPDATE", tenantId, roleId);
            var ownerIds = new List<Guid>();
            await using (var reader = await owners.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    ownerIds.Add(reader.GetGuid(0));
                }
            }

            if (ownerIds.Count == 1 && ownerIds[0] == userId)
            {
                throw new AccessRuleViolationException(
                    AccessRuleViolationException.LastOwner,
                    "The last owner cannot be removed: make another member an owner first.");
            }
        }

        await using var delete = transaction.Command("DELETE FROM member_roles WHERE tenant_id = $1 AND user_id = $2 AND role_id = $3", tenantId, userId, roleId);
        var removed = await delete.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (removed)
        {
            await AuditAsync(transaction, tenantId, actorId, "role.unassigned", $"{userId}/{roleId}", new { userId, roleId, role = role.Name }, null, cancellationToken);
            await Outbox.AddAsync(transaction.Connection, transaction.Transaction,
                IntegrationEvent.Create(EventTypes.MemberRoleUnassigned, tenantId, new { userId, roleId, role = role.Name }), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (removed)
        {
            await evaluator.InvalidateTenantAsync(tenantId, cancellationToken);
            LogRoleUnassigned(logger, tenantId, actorId, userId, roleId);
        }

        return removed;
    }

    /// <summary>Every role change is audited in its own transaction, so the entry exists exactly when the change does.</summary>
    private async Task AuditAsync(TenantTransaction transaction, Guid tenantId, Guid actorId, string action, string resourceId, object? before, object? after, CancellationToken cancellationToken) =>
        await audit.AppendAsync(transaction.Connection, transaction.Transaction, new AuditEntry(
            tenantId, origin.ActorType == AuditActorType.System ? AuditActorType.User : origin.ActorType, origin.ActorId ?? actorId, action, "role", resourceId,
            AuditChanges.Of(before, after), origin.Ip, origin.UserAgent, System.Diagnostics.Activity.Current?.TraceId.ToString()), cancellationToken).ConfigureAwait(false);

    private static (string Name, string Description) ValidateTexts(string name, string? description)
    {
        ArgumentNullException.ThrowIfNull(name);
        name = name.Trim();
        description = description?.Trim() ?? string.Empty;
        if (name.Length is 0 or > MaxNameLength)
        {
            throw ValidationFailedException.For("name", $"A role name is 1 to {MaxNameLength} characters.");
        }

        if (description.Length > MaxDescriptionLength)
        {
            throw ValidationFailedException.For("description", $"A role description is at most {MaxDescriptionLength} characters.");
        }

        return (name, description);
    }

    private static void RefuseReservedName(string name)
    {
        if (SystemRoles.FindByName(name) is { } system)
        {
            throw new AccessRuleViolationException(
                AccessRuleViolationException.RoleNameReserved,
                $"'{name}' is the name of the system role '{system.Name}'; choose another name.");
        }
    }

    private static FrozenSet<string> Distinct(IEnumerable<string> permissions)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        return permissions.ToFrozenSet(StringComparer.Ordinal);
    }

    private static void Require(IReadOnlySet<string> held, string permission, string action)
    {
        if (!held.Contains(permission))
        {
            throw new AccessDeniedException([permission], $"You need the permission {permission} to {action}.");
        }
    }

    private static void RequireKnown(IEnumerable<string> permissions)
    {
        var unknown = PermissionCatalogue.Unknown(permissions);
        if (unknown.Count > 0)
        {
            throw new UnknownPermissionException(unknown);
        }
    }

    private static void RequireHeld(IReadOnlySet<string> held, IEnumerable<string> permissions, string action)
    {
        var missing = permissions.Where(p => !held.Contains(p)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            throw new AccessDeniedException(
                missing,
                $"You cannot {action} permissions you do not hold: {string.Join(", ", missing)}.");
        }
    }

    private static void RefuseSystemRole(Role role, string verb)
    {
        if (role.IsSystem)
        {
            throw new AccessRuleViolationException(
                AccessRuleViolationException.SystemRoleImmutable,
                $"'{role.Name}' is a system role and cannot be {verb}; create a custom role instead.");
        }
    }

    private static AccessRuleViolationException NameTaken(string name) => new(
        AccessRuleViolationException.RoleNameTaken,
        $"The organization already has a role named '{name}'.");

    private static async Task<Role> FindRoleAsync(TenantTransaction transaction, Guid roleId, CancellationToken cancellationToken) =>
        (await ReadRolesAsync(transaction, roleId, cancellationToken)).SingleOrDefault()
        ?? throw new AccessNotFoundException(AccessNotFoundException.RoleNotFound, $"The organization has no role {roleId}.");

    // Row-level security limits this to the system roles and the current organization's roles.
    private static async Task<List<Role>> ReadRolesAsync(TenantTransaction transaction, Guid? roleId, CancellationToken cancellationToken)
    {
        await using var command = transaction.Command(
            """
            SELECT r.id, r.name, r.description, r.is_system, r.rank,
                   coalesce(array_agg(rp.permission_name ORDER BY rp.permission_name) FILTER (WHERE rp.permission_name IS NOT NULL), '{}')
            FROM roles r
            LEFT JOIN role_permissions rp ON rp.role_id = r.id
            WHERE $1::uuid IS NULL OR r.id = $1
            GROUP BY r.id
            ORDER BY r.is_system DESC, r.rank DESC NULLS LAST, r.name
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)roleId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var roles = new List<Role>();
        while (await reader.ReadAsync(cancellationToken))
        {
            roles.Add(new Role(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : (SystemRoleRank)reader.GetInt32(4),
                reader.GetFieldValue<string[]>(5).ToFrozenSet(StringComparer.Ordinal)));
        }

        return roles;
    }

    private static async Task GrantAsync(TenantTransaction transaction, Guid roleId, IReadOnlySet<string> permissions, CancellationToken cancellationToken)
    {
        await using var grant = transaction.Command(
            "INSERT INTO role_permissions (role_id, permission_name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            roleId,
            permissions.ToArray());
        await grant.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task RequireMemberAsync(TenantTransaction transaction, Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        await using var member = transaction.Command("SELECT 1 FROM organization_members WHERE tenant_id = $1 AND user_id = $2", tenantId, userId);
        if (await member.ExecuteScalarAsync(cancellationToken) is null)
        {
            throw new AccessNotFoundException(AccessNotFoundException.MemberNotFound, $"User {userId} is not a member of the organization.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Role {RoleId} '{RoleName}' created in tenant {TenantId} by {ActorId} with {PermissionCount} permissions")]
    private static partial void LogRoleCreated(ILogger logger, Guid tenantId, Guid actorId, Guid roleId, string roleName, int permissionCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Role {RoleId} updated in tenant {TenantId} by {ActorId}; now {PermissionCount} permissions")]
    private static partial void LogRoleUpdated(ILogger logger, Guid tenantId, Guid actorId, Guid roleId, int permissionCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Role {RoleId} deleted in tenant {TenantId} by {ActorId}")]
    private static partial void LogRoleDeleted(ILogger logger, Guid tenantId, Guid actorId, Guid roleId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Role {RoleId} assigned to {UserId} in tenant {TenantId} by {ActorId}")]
    private static partial void LogRoleAssigned(ILogger logger, Guid tenantId, Guid actorId, Guid userId, Guid roleId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Role {RoleId} removed from {UserId} in tenant {TenantId} by {ActorId}")]
    private static partial void LogRoleUnassigned(ILogger logger, Guid tenantId, Guid actorId, Guid userId, Guid roleId);
}
