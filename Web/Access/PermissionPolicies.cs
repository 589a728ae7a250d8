using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Web.Access;

/// <summary>Policies named <c>permission:{name}</c>, made on demand: signed in, and holding that permission at the Api.</summary>
public sealed class PermissionPolicies(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
{
    public const string Prefix = "permission:";

    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        ArgumentNullException.ThrowIfNull(policyName);
        return policyName.StartsWith(Prefix, StringComparison.Ordinal)
            ? new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(policyName[Prefix.Length..])).Build()
            : await base.GetPolicyAsync(policyName);
    }
}

public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>Asks the Api (through <see cref="CurrentUser"/>) whether the user holds the permission.</summary>
public sealed class PermissionHandler(CurrentUser user) : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        if (context.User.Identity?.IsAuthenticated == true && await user.HoldsAsync(requirement.Permission))
        {
            context.Succeed(requirement);
        }
    }
}
