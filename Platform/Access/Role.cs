namespace Platform.Access;

/// <summary>A role as an organization sees it: a system role or one of its custom roles.</summary>
/// <param name="Id">The role's id (fixed for system roles, see <see cref="SystemRoles"/>).</param>
/// <param name="Name">Unique within the organization.</param>
/// <param name="Description">What the role is for.</param>
/// <param name="IsSystem">Whether it is a built-in role, which tenants cannot change.</param>
/// <param name="Rank">The system role's place in the hierarchy; null for custom roles.</param>
/// <param name="Permissions">The permissions it grants.</param>
public sealed record Role(Guid Id, string Name, string Description, bool IsSystem, SystemRoleRank? Rank, IReadOnlySet<string> Permissions);
