namespace Platform.Access;

/// <summary>One permission of the catalogue.</summary>
/// <param name="Name">The permission's name, <c>group.action</c> (e.g. <c>customers.export</c>).</param>
/// <param name="Group">The group it belongs to: the name's first segment (e.g. <c>customers</c>).</param>
/// <param name="DisplayName">A short name for people.</param>
/// <param name="Description">One sentence on what it allows.</param>
/// <param name="LowestRole">The lowest system role that holds it.</param>
public sealed record PermissionDefinition(string Name, string Group, string DisplayName, string Description, SystemRoleRank LowestRole);
