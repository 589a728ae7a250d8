namespace Platform.Access;

/// <summary>
/// Describes one permission constant in <see cref="Permissions"/>: the lowest system role that holds it,
/// and the name and description people see when they compose a role.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class PermissionAttribute(SystemRoleRank lowestRole, string displayName, string description) : Attribute
{
    /// <summary>The lowest system role holding the permission; every role above it holds it too.</summary>
    public SystemRoleRank LowestRole { get; } = lowestRole;

    /// <summary>A short name for people, e.g. "Export customers".</summary>
    public string DisplayName { get; } = displayName;

    /// <summary>One sentence on what the permission allows.</summary>
    public string Description { get; } = description;
}
