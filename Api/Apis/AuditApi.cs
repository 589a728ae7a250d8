using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Access;
using Platform.Audit;
using Platform.Data.Paging;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>The organization's audit log: search, CSV export, chain verification and the access review.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/audit").WithTags("Audit");

        api.MapGet("/logs", ListAsync).WithName("ListAuditLogs").WithSummary("Audit entries, newest first, filtered by actor, action, resource and time (cursor pagination).")
            .RequirePermission(Permissions.Audit.Read);
        api.MapGet("/logs/export", ExportAsync).WithName("ExportAuditLogs").WithSummary("The filtered audit entries as CSV.")
            .RequirePermission(Permissions.Audit.Export);
        api.MapGet("/verify", VerifyAsync).WithName("VerifyAuditChain").WithSummary("Check the organization's audit hash chain; names the first broken entry.")
            .RequirePermission(Permissions.Audit.Verify);
        api.MapGet("/access-review", AccessReviewAsync).WithName("AccessReview").WithSummary("Who holds which roles and permissions in the organization.")
            .RequirePermission(Permissions.Audit.Reports);
        return api;
    }

    /// <summary>Query parameters shared by the list and the export.</summary>
    public sealed record AuditQueryParameters(Guid? ActorId, string? Action, string? ResourceType, string? ResourceId, DateTimeOffset? From, DateTimeOffset? To, bool? SecurityOnly)
    {
        public AuditFilter ToFilter() => new()
        {
            ActorId = ActorId,
            Action = Action,
            ResourceType = ResourceType,
            ResourceId = ResourceId,
            From = From,
            To = To,
            SecurityOnly = SecurityOnly ?? false,
        };
    }

    public sealed record AuditEntryResponse(long Id, long Sequence, DateTimeOffset OccurredAt, string ActorType, Guid? ActorId, string Action, string ResourceType,
        string? ResourceId, string? Changes, string? Ip, string? UserAgent, string? TraceId, bool IsSecurityEvent);

    public sealed record VerificationResponse(bool IsValid, long RowsChecked, long? BrokenEntryId, long? BrokenSequence, string? Reason, string? Detail);

    public sealed record AccessReviewEntry(Guid UserId, string? Email, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions);

    public static async Task<Results<Ok<Page<AuditEntryResponse>>, ValidationProblem>> ListAsync(
        [AsParameters] AuditQueryParameters query, int? limit, string? cursor, TenantContext tenant, AuditQuery audit, CancellationToken cancellationToken)
    {
        if (Cursor.Limit(limit) is not { } size)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Use a limit between 1 and {Cursor.MaxLimit}."] });
        }

        try
        {
            var page = await audit.ListAsync(tenant.RequiredTenantId, query.ToFilter(), cursor, size, cancellationToken);
            return TypedResults.Ok(new Page<AuditEntryResponse>(page.Items.Select(ToResponse).ToList(), page.NextCursor));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ex.ParamName ?? "cursor"] = [ex.Message] });
        }
    }

    public static async Task ExportAsync([AsParameters] AuditQueryParameters query, HttpContext http, TenantContext tenant, AuditQuery audit, CancellationToken cancellationToken)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false));
        await audit.WriteCsvAsync(tenant.RequiredTenantId, query.ToFilter(), writer, cancellationToken);
    }

    public static async Task<Ok<VerificationResponse>> VerifyAsync(TenantContext tenant, AuditChainVerifier verifier, CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(tenant.RequiredTenantId, cancellationToken);
        var broken = result.FirstBreak;
        return TypedResults.Ok(new VerificationResponse(result.IsValid, result.RowsChecked, broken?.Id, broken?.Sequence, broken?.Reason.ToString(), broken?.Detail));
    }

    public static async Task<Ok<List<AccessReviewEntry>>> AccessReviewAsync(TenantContext tenant, Platform.Data.PlatformDbContext db, PermissionEvaluator permissions, CancellationToken cancellationToken)
    {
        var members = await UsersApi.AllMembersAsync(db, tenant.RequiredTenantId, cancellationToken);
        var review = new List<AccessReviewEntry>();
        foreach (var member in members)
        {
            var held = await permissions.GetPermissionsAsync(tenant.RequiredTenantId, member.Id, cancellationToken);
            review.Add(new AccessReviewEntry(member.Id, member.Email, member.DisplayName, member.Roles, [.. held.Order(StringComparer.Ordinal)]));
        }

        return TypedResults.Ok(review);
    }

    private static AuditEntryResponse ToResponse(AuditRecord r) =>
        new(r.Id, r.Sequence, r.OccurredAt, r.ActorType.ToString(), r.ActorId, r.Action, r.ResourceType, r.ResourceId, r.Changes, r.Ip?.ToString(), r.UserAgent, r.TraceId, r.IsSecurityEvent);
}
