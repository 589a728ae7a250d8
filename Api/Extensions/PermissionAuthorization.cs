using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Platform.Access;
using Platform.Identity.Tokens;
using Platform.Tenancy;

namespace Api.Extensions;

/// <summary>The permission an endpoint requires; read by authorization, the OpenAPI document and the tests.</summary>
public sealed record PermissionRequirementMetadata(string Name);

/// <summary>Marks an endpoint any signed-in user may call on their own account (no permission).</summary>
public sealed record SelfService;

/// <summary>One way to protect an endpoint: the permission it requires, from the catalogue.</summary>
public static class PermissionEndpointExtensions
{
    private const string PolicyPrefix = "permission:";

    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!PermissionCatalogue.Contains(permission))
        {
            throw new ArgumentException($"'{permission}' is not in the permission catalogue.", nameof(permission));
        }

        return builder.WithMetadata(new PermissionRequirementMetadata(permission)).RequireAuthorization(PolicyPrefix + permission);
    }

    /// <summary>A signed-in user acting on their own account; API keys are refused (they act for the organization, not a person).</summary>
    public static TBuilder RequireSignedInUser<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SelfService()).RequireAuthorization(PolicyPrefix + "self");

    public static void AddPermissionAuthorization(this IServiceCollection services)
    {
        services.AddAuthorization();
        services.AddMemoryCache();
        services.AddSingleton<IAuthorizationPolicyProvider, PermissionPolicyProvider>();
        services.AddScoped<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
    }

    internal sealed record PermissionRequirement(string? Permission) : IAuthorizationRequirement;

    /// <summary>Builds a policy per permission on demand, so no list of policies needs keeping in sync.</summary>
    private sealed class PermissionPolicyProvider(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
    {
        public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
        {
            if (!policyName.StartsWith(PolicyPrefix, StringComparison.Ordinal))
            {
                return await base.GetPolicyAsync(policyName);
            }

            var name = policyName[PolicyPrefix.Length..];
            return new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .AddRequirements(new PermissionRequirement(name == "self" ? null : name))
                .Build();
        }
    }

    /// <summary>
    /// Users: the permission set of their roles in the current organization (cached in Redis, invalidated
    /// on change). API keys: only the permissions the key was granted. Organizations that require MFA
    /// admit only tokens that carry a second factor.
    /// </summary>
    private sealed class PermissionHandler(TenantContext tenant, PermissionEvaluator evaluator, OrganizationPolicies organizations) : AuthorizationHandler<PermissionRequirement>
    {
        protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
        {
            var principal = context.User;
            var isApiKey = principal.HasClaim(c => c.Type == PlatformClaims.ApiKey);
            if (tenant.TenantId is not { } tenantId)
            {
                context.Fail(new AuthorizationFailureReason(this, "no organization"));
                return;
            }

            if (requirement.Permission is null)
            {
                if (!isApiKey && tenant.UserId is not null)
                {
                    context.Succeed(requirement);
                }

                return;
            }

            if (isApiKey)
            {
                if (principal.HasClaim(PlatformClaims.Permission, requirement.Permission))
                {
                    context.Succeed(requirement);
                }
                else
                {
                    context.Fail(new AuthorizationFailureReason(this, requirement.Permission));
                }

                return;
            }

            if (tenant.UserId is not { } userId)
            {
                return;
            }

            if (await organizations.RequiresMfaAsync(tenantId) && !principal.HasClaim(PlatformClaims.AuthenticationMethod, "mfa"))
            {
                context.Fail(new AuthorizationFailureReason(this, "mfa_required"));
                return;
            }

            if (await evaluator.HasPermissionAsync(tenantId, userId, requirement.Permission))
            {
                context.Succeed(requirement);
            }
            else
            {
                context.Fail(new AuthorizationFailureReason(this, requirement.Permission));
            }
        }
    }

    /// <summary>A 403 says which permission is missing (or that MFA is required), as a problem document.</summary>
    private sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (!authorizeResult.Forbidden)
            {
                await _default.HandleAsync(next, context, policy, authorizeResult);
                return;
            }

            var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message;
            var mfa = reason == "mfa_required";
            var tenant = context.RequestServices.GetRequiredService<TenantContext>();
            await context.RequestServices.GetRequiredService<Platform.Security.SecurityEventRecorder>().RecordAsync(new Platform.Security.SecurityEvent(
                Platform.Security.SecurityEventType.PermissionDenied, tenant.TenantId, tenant.UserId, context.Connection.RemoteIpAddress,
                Detail: reason, UserAgent: context.Request.Headers.UserAgent.ToString()), context.RequestAborted);
            var code = mfa ? "mfa_required" : "permission_denied";
            var problem = Problems.Coded(StatusCodes.Status403Forbidden, code,
                mfa ? "This organization requires two-factor sign-in." : "You do not have permission to do this.",
                mfa ? "Set up an authenticator app and sign in again with a code." : reason is null ? null : $"Requires the permission '{reason}'.");
            if (!mfa && reason is not null)
            {
                problem.Extensions["permission"] = reason;
            }

            await Problems.WriteAsync(context, problem);
        }
    }
}

/// <summary>Organization-wide security settings read on every authorization, cached briefly.</summary>
public sealed class OrganizationPolicies(IServiceScopeFactory scopes, IMemoryCache cache)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    public async Task<bool> RequiresMfaAsync(Guid tenantId) =>
        await cache.GetOrCreateAsync($"org-mfa:{tenantId:N}", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<Platform.Data.PlatformDbContext>();
            return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Organizations, o => o.Id == tenantId && o.MfaRequired);
        });

    /// <summary>Drops the cached settings after a change on this replica (others follow within the cache time).</summary>
    public void Forget(Guid tenantId) => cache.Remove($"org-mfa:{tenantId:N}");
}
