using System.Collections.Frozen;

namespace Platform.Access;

/// <summary>
/// Ranks of the system roles, lowest to highest. Each permission in <see cref="Permissions"/> names the
/// lowest rank that holds it, so every role holds everything the roles below it hold.
/// </summary>
public enum SystemRoleRank
{
    /// <summary>Read-only access to the organization's business data.</summary>
    Viewer = 10,

    /// <summary>Viewer, plus creating and editing business data.</summary>
    Member = 20,

    /// <summary>Member, plus deleting, exporting and importing business data, and workflows.</summary>
    Manager = 30,

    /// <summary>Manager, plus users, roles, API keys, settings, security, audit, themes, domains, webhooks.</summary>
    Admin = 40,

    /// <summary>Admin, plus billing and organization-level actions (delete, transfer ownership).</summary>
    Owner = 50,

    /// <summary>Owner, plus platform administration (<c>system.*</c>).</summary>
    PlatformSuperAdmin = 100,
}

/// <summary>A built-in role: the same in every organization, not editable by tenants.</summary>
/// <param name="Id">A fixed, well-known id (the seeder writes roles under it).</param>
/// <param name="Name">The role's name (e.g. <c>owner</c>).</param>
/// <param name="Description">What the role is for.</param>
/// <param name="Rank">Its place in the hierarchy.</param>
/// <param name="Permissions">Every permission it holds.</param>
public sealed record SystemRole(Guid Id, string Name, string Description, SystemRoleRank Rank, IReadOnlySet<string> Permissions);

/// <summary>
/// The system roles, in a hierarchy: platform super-admin &gt; owner &gt; admin &gt; manager &gt; member &gt; viewer.
/// </summary>
/// <remarks>
/// The mapping, as each permission's <see cref="PermissionAttribute.LowestRole"/> declares it:
/// <list type="bullet">
/// <item><b>viewer</b>: <c>*.read</c> of business data (customers, subscriptions, invoices, payments, products,
/// analytics, workflows, notifications, documents, ai) and <c>organization.read</c>.</item>
/// <item><b>member</b>: + create/update of business data (and sending invoices, recording payments, dashboards, predictions).</item>
/// <item><b>manager</b>: + delete/export/import of business data, cancel/refund/void, workflows, model training.</item>
/// <item><b>admin</b>: + users, roles, api_keys, settings, security, audit, themes, domains, webhooks, models and agents, organization.update.</item>
/// <item><b>owner</b>: + billing, organization.delete and organization.transfer.</item>
/// <item><b>super_admin</b>: + <c>system.*</c>.</item>
/// </list>
/// </remarks>
public static class SystemRoles
{
    /// <summary>Platform operators: everything, including <c>system.*</c>.</summary>
    public static SystemRole PlatformSuperAdmin { get; } = Create("00000000-0000-0000-0000-0000000000a6", "super_admin", "Platform operator: every permission, including platform administration.", SystemRoleRank.PlatformSuperAdmin);

    /// <summary>The organization's owners: everything within the organization.</summary>
    public static SystemRole Owner { get; } = Create("00000000-0000-0000-0000-0000000000a5", "owner", "Full control of the organization, including billing, deletion and ownership transfer.", SystemRoleRank.Owner);

    /// <summary>Administrators: members, roles, security and configuration.</summary>
    public static SystemRole Admin { get; } = Create("00000000-0000-0000-0000-0000000000a4", "admin", "Manages members, roles, API keys, security, audit and the organization's configuration.", SystemRoleRank.Admin);

    /// <summary>Managers: all business data operations and workflows.</summary>
    public static SystemRole Manager { get; } = Create("00000000-0000-0000-0000-0000000000a3", "manager", "Runs business data: deletes, exports and imports it, and manages workflows.", SystemRoleRank.Manager);

    /// <summary>Members: create and edit business data.</summary>
    public static SystemRole Member { get; } = Create("00000000-0000-0000-0000-0000000000a2", "member", "Creates and edits business data.", SystemRoleRank.Member);

    /// <summary>Viewers: read-only.</summary>
    public static SystemRole Viewer { get; } = Create("00000000-0000-0000-0000-0000000000a1", "viewer", "Reads business data; changes nothing.", SystemRoleRank.Viewer);

    /// <summary>Every system role, highest rank first.</summary>
    public static IReadOnlyList<SystemRole> All { get; } = [PlatformSuperAdmin, Owner, Admin, Manager, Member, Viewer];

    private static readonly FrozenDictionary<Guid, SystemRole> ById = All.ToFrozenDictionary(r => r.Id);

    /// <summary>The system role with this id, or null.</summary>
    public static SystemRole? Find(Guid id) => ById.GetValueOrDefault(id);

    /// <summary>The system role with this name (case-insensitive), or null.</summary>
    public static SystemRole? FindByName(string name) => All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    private static SystemRole Create(string id, string name, string description, SystemRoleRank rank) => new(
        Guid.Parse(id),
        name,
        description,
        rank,
        PermissionCatalogue.All.Where(p => p.LowestRole <= rank).Select(p => p.Name).ToFrozenSet(StringComparer.Ordinal));
}
