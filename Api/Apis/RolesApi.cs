using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Access;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>Roles of the organization, their permissions, and their assignment to members.</summary>
public static class RolesApi
{
    public static RouteGroupBuilder MapRolesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Roles");

        api.MapGet("/permissions", ListPermissions).WithName("ListPermissions").WithSummary("The permission catalogue, by group.")
            .RequirePermission(Permissions.Roles.Read);
        api.MapGet("/roles", ListAsync).WithName("ListRoles").WithSummary("System roles and the organization's custom roles.")
            .RequirePermission(Permissions.Roles.Read);
        api.MapPost("/roles", CreateAsync).WithName("CreateRole").WithSummary("Create a custom role; you can only grant permissions you hold.")
            .WithIdempotency()
            .RequirePermission(Permissions.Roles.Create);
        api.MapPut("/roles/{roleId:guid}", UpdateAsync).WithName("UpdateRole").WithSummary("Rename a custom role and replace its permissions.")
            .RequirePermission(Permissions.Roles.Update);
        api.MapDelete("/roles/{roleId:guid}", DeleteAsync).WithName("DeleteRole").WithSummary("Delete a custom role; its assignments end with it.")
            .RequirePermission(Permissions.Roles.Delete);
        api.MapPut("/users/{userId:guid}/roles/{roleId:guid}", AssignAsync).WithName("AssignRole").WithSummary("Give a member a role.")
            .RequirePermission(Permissions.Roles.Assign);
        api.MapDelete("/users/{userId:guid}/roles/{roleId:guid}", UnassignAsync).WithName("UnassignRole").WithSummary("Take a role from a member; the last owner keeps theirs.")
            .RequirePermission(Permissions.Roles.Assign);
        return api;
    }

    public sealed record RoleRequest(string Name, string? Description, IReadOnlyList<string> Permissions);

    public sealed record PermissionResponse(string Name, string Group, string DisplayName, string Description);

    public static Ok<List<PermissionResponse>> ListPermissions() =>
        TypedResults.Ok(PermissionCatalogue.All.Select(p => new PermissionResponse(p.Name, p.Group, p.DisplayName, p.Description)).ToList());

    public static async Task<Ok<IReadOnlyList<Role>>> ListAsync(TenantContext tenant, RoleService roles, CancellationToken cancellationToken) =>
        TypedResults.Ok(await roles.ListRolesAsync(tenant.RequiredTenantId, Actor(tenant), cancellationToken));

    public static async Task<Created<Role>> CreateAsync(RoleRequest request, TenantContext tenant, RoleService roles, CancellationToken cancellationToken)
    {
        var role = await roles.CreateRoleAsync(tenant.RequiredTenantId, Actor(tenant), request.Name ?? "", request.Description, request.Permissions ?? [], cancellationToken);
        return TypedResults.Created($"/api/v1/roles/{role.Id}", role);
    }

    public static async Task<Ok<Role>> UpdateAsync(Guid roleId, RoleRequest request, TenantContext tenant, RoleService roles, CancellationToken cancellationToken) =>
        TypedResults.Ok(await roles.UpdateRoleAsync(tenant.RequiredTenantId, Actor(tenant), roleId, request.Name ?? "", request.Description, request.Permissions ?? [], cancellationToken));

    public static async Task<NoContent> DeleteAsync(Guid roleId, TenantContext tenant, RoleService roles, CancellationToken cancellationToken)
    {
        await roles.DeleteRoleAsync(tenant.RequiredTenantId, Actor(tenant), roleId, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> AssignAsync(Guid userId, Guid roleId, TenantContext tenant, RoleService roles, CancellationToken cancellationToken)
    {
        await roles.AssignRoleAsync(tenant.RequiredTenantId, Actor(tenant), userId, roleId, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, NotFound>> UnassignAsync(Guid userId, Guid roleId, TenantContext tenant, RoleService roles, CancellationToken cancellationToken) =>
        await roles.UnassignRoleAsync(tenant.RequiredTenantId, Actor(tenant), userId, roleId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    /// <summary>Role changes are made by people: an API key has no actor whose permissions bound what it may grant.</summary>
    private static Guid Actor(TenantContext tenant) =>
        tenant.UserId ?? throw new AccessDeniedException("Roles are managed by signed-in members, not API keys.");
}
