using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Access;
using Platform.Audit;
using Platform.Data;
using Platform.Tenancy;
using Platform.Validation;

namespace Api.Apis;

/// <summary>
/// The current organization's settings: its name and whether members must sign in with a second factor. The slug
/// (its subdomain) and the plan are shown, not changed here. A change and its audit entry commit together.
/// </summary>
public static class OrganizationApi
{
    /// <summary>The longest organization name (the organizations table's check).</summary>
    public const int MaxNameLength = 200;

    public static RouteGroupBuilder MapOrganizationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/organization").WithTags("Organization");

        api.MapGet("/", GetAsync).WithName("GetOrganizationSettings").WithSummary("The current organization: name, slug, plan and whether a second factor is required.")
            .RequirePermission(Permissions.Organization.Read);
        api.MapPut("/", UpdateAsync).WithName("UpdateOrganizationSettings")
            .WithSummary("Rename the current organization or require a second factor of its members (slug and plan are read-only).")
            .RequirePermission(Permissions.Organization.Update);
        return api;
    }

    public sealed record OrganizationSettingsRequest(string? Name, bool? MfaRequired);

    public sealed record OrganizationSettingsResponse(Guid Id, string Name, string Slug, string Plan, bool MfaRequired);

    public static async Task<Results<Ok<OrganizationSettingsResponse>, NotFound>> GetAsync(PlatformDbContext db, TenantContext tenant, CancellationToken cancellationToken) =>
        await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == tenant.RequiredTenantId, cancellationToken) is { } organization
            ? TypedResults.Ok(ToResponse(organization))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<OrganizationSettingsResponse>, NotFound>> UpdateAsync(
        OrganizationSettingsRequest request, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        // PUT replaces both editable settings: each must be given.
        var name = request.Name?.Trim() ?? "";
        var errors = new Dictionary<string, string[]>();
        if (name.Length is 0 or > MaxNameLength)
        {
            errors["name"] = [$"Enter the organization's name (1 to {MaxNameLength} characters)."];
        }

        if (request.MfaRequired is not { } mfaRequired)
        {
            errors["mfaRequired"] = ["Say whether members must sign in with a second factor (true or false)."];
        }
        else if (errors.Count == 0)
        {
            return await SaveAsync(name, mfaRequired, db, tenant, audit, cancellationToken);
        }

        throw new ValidationFailedException(errors);
    }

    private static async Task<Results<Ok<OrganizationSettingsResponse>, NotFound>> SaveAsync(
        string name, bool mfaRequired, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == tenant.RequiredTenantId, cancellationToken);
        if (organization is null)
        {
            return TypedResults.NotFound();
        }

        var before = new { organization.Name, organization.MfaRequired };
        (organization.Name, organization.MfaRequired) = (name, mfaRequired);
        await db.SaveChangesAsync(cancellationToken);
        // Requiring (or no longer requiring) a second factor changes how everyone signs in: a security event.
        await audit.RecordAsync("organization.updated", "organization", organization.Id.ToString(), before: before,
            after: new { organization.Name, organization.MfaRequired }, isSecurityEvent: before.MfaRequired != organization.MfaRequired, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(organization));
    }

    private static OrganizationSettingsResponse ToResponse(Organization o) => new(o.Id, o.Name, o.Slug, o.Plan, o.MfaRequired);
}
