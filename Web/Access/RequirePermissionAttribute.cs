using Microsoft.AspNetCore.Authorization;

namespace Web.Access;

/// <summary>A page only for users who hold <paramref name="permission"/> in the current organization; others get the forbidden page.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class RequirePermissionAttribute(string permission) : AuthorizeAttribute(PermissionPolicies.Prefix + permission)
{
    public string Permission { get; } = permission;
}
