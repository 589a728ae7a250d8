using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Access;
using Platform.Security;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>Security settings and monitoring of the organization: IP rules, alerts, contacts and the summary.</summary>
public static class SecurityApi
{
    public static RouteGroupBuilder MapSecurityApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/security").WithTags("Security");

        api.MapGet("/ip-rules", ListIpRulesAsync).WithName("ListIpRules").WithSummary("The organization's IP allow and deny rules.")
            .RequirePermission(Permissions.Security.Read);
        api.MapPost("/ip-rules", AddIpRuleAsync).WithName("AddIpRule").WithSummary("Add an allow or deny rule for an address or CIDR range; refuses one that would lock you out unless confirmed.")
            .WithIdempotency()
            .RequirePermission(Permissions.Security.ManageIpRules);
        api.MapDelete("/ip-rules/{ruleId:guid}", RemoveIpRuleAsync).WithName("RemoveIpRule").WithSummary("Remove an IP rule.")
            .RequirePermission(Permissions.Security.ManageIpRules);
        api.MapGet("/alerts", ListAlertsAsync).WithName("ListSecurityAlerts").WithSummary("Security alerts delivered to me in this organization.")
            .RequirePermission(Permissions.Security.Read);
        api.MapPost("/alerts/{alertId:guid}/read", MarkAlertReadAsync).WithName("MarkSecurityAlertRead").WithSummary("Mark an alert as read.")
            .RequirePermission(Permissions.Security.Read);
        api.MapGet("/contacts", ListContactsAsync).WithName("ListSecurityContacts").WithSummary("Members who receive security alerts, with their minimum severity.")
            .RequirePermission(Permissions.Security.Read);
        api.MapPut("/contacts/{userId:guid}", SetContactAsync).WithName("SetSecurityContact").WithSummary("Make a member a security contact from a minimum severity.")
            .RequirePermission(Permissions.Security.ManageAlerts);
        api.MapDelete("/contacts/{userId:guid}", RemoveContactAsync).WithName("RemoveSecurityContact").WithSummary("Stop sending security alerts to a member.")
            .RequirePermission(Permissions.Security.ManageAlerts);
        api.MapGet("/summary", SummaryAsync).WithName("SecuritySummary").WithSummary("Security event counts by type over time, for the dashboard.")
            .RequirePermission(Permissions.Security.Read);
        return api;
    }

    public sealed record AddIpRuleRequest(string Cidr, string Action, string? Description, bool? ConfirmSelfLockout);

    public sealed record ContactRequest(SecuritySeverity MinSeverity);

    public static async Task<Ok<IReadOnlyList<IpRule>>> ListIpRulesAsync(TenantContext tenant, IpRuleService rules, CancellationToken cancellationToken) =>
        TypedResults.Ok(await rules.ListAsync(tenant.RequiredTenantId, cancellationToken));

    public static async Task<Created<IpRule>> AddIpRuleAsync(AddIpRuleRequest request, TenantContext tenant, IpRuleService rules, HttpContext http, CancellationToken cancellationToken)
    {
        var rule = await rules.AddAsync(tenant.RequiredTenantId, Actor(tenant), new IpRuleRequest(request.Cidr ?? "", request.Action ?? "", request.Description),
            http.Connection.RemoteIpAddress, request.ConfirmSelfLockout ?? false, cancellationToken);
        return TypedResults.Created($"/api/v1/security/ip-rules/{rule.Id}", rule);
    }

    public static async Task<NoContent> RemoveIpRuleAsync(Guid ruleId, bool? confirmSelfLockout, TenantContext tenant, IpRuleService rules, HttpContext http, CancellationToken cancellationToken)
    {
        await rules.RemoveAsync(tenant.RequiredTenantId, Actor(tenant), ruleId, http.Connection.RemoteIpAddress, confirmSelfLockout ?? false, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<IReadOnlyList<SecurityAlert>>, ValidationProblem>> ListAlertsAsync(bool? unreadOnly, int? limit, TenantContext tenant, SecurityAlertService alerts, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["Use a limit between 1 and 500."] });
        }

        return TypedResults.Ok(await alerts.ListForUserAsync(tenant.RequiredTenantId, Actor(tenant), unreadOnly ?? false, limit ?? 50, cancellationToken));
    }

    public static async Task<NoContent> MarkAlertReadAsync(Guid alertId, TenantContext tenant, SecurityAlertService alerts, CancellationToken cancellationToken)
    {
        await alerts.MarkReadAsync(tenant.RequiredTenantId, Actor(tenant), alertId, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<SecurityContact>>> ListContactsAsync(TenantContext tenant, SecurityAlertService alerts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await alerts.ListContactsAsync(tenant.RequiredTenantId, cancellationToken));

    public static async Task<NoContent> SetContactAsync(Guid userId, ContactRequest request, TenantContext tenant, SecurityAlertService alerts, CancellationToken cancellationToken)
    {
        await alerts.SetContactAsync(tenant.RequiredTenantId, Actor(tenant), userId, request.MinSeverity, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, NotFound>> RemoveContactAsync(Guid userId, TenantContext tenant, SecurityAlertService alerts, CancellationToken cancellationToken) =>
        await alerts.RemoveContactAsync(tenant.RequiredTenantId, Actor(tenant), userId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<SecuritySummary>> SummaryAsync(DateTimeOffset? from, DateTimeOffset? to, SecuritySummaryBucket? bucket, TenantContext tenant, SecuritySummaryQuery summary, TimeProvider clock, CancellationToken cancellationToken)
    {
        var end = to ?? clock.GetUtcNow();
        return TypedResults.Ok(await summary.GetAsync(tenant.RequiredTenantId, from ?? end.AddDays(-7), end, bucket ?? SecuritySummaryBucket.Day, cancellationToken));
    }

    private static Guid Actor(TenantContext tenant) =>
        tenant.UserId ?? throw new AccessDeniedException("Security settings are managed by signed-in members, not API keys.");
}
