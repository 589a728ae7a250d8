using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Access;
using Platform.Audit;
using Platform.Data;
using Platform.Data.Paging;
using Platform.Identity.Sessions;
using Platform.Tenancy;
using Platform.Messaging;

namespace Api.Apis;

/// <summary>The organization's members.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users").WithTags("Users");

        api.MapGet("/", ListAsync).WithName("ListUsers").WithSummary("Members of the organization, with their roles (cursor pagination).")
            .RequirePermission(Permissions.Users.Read);
        api.MapGet("/{userId:guid}", GetAsync).WithName("GetUser").WithSummary("One member of the organization.")
            .RequirePermission(Permissions.Users.Read);
        api.MapDelete("/{userId:guid}", RemoveAsync).WithName("RemoveUser").WithSummary("Remove a member from the organization and end their sessions here.")
            .RequirePermission(Permissions.Users.Remove);
        return api;
    }

    public sealed record UserResponse(Guid Id, string? Email, string DisplayName, DateTimeOffset JoinedAt, bool MfaEnabled, IReadOnlyList<string> Roles);

    /// <summary>Row shape of the member query (EF maps the SQL's columns by name).</summary>
    internal sealed class MemberRow
    {
        public Guid Id { get; set; }

        public string? Email { get; set; }

        public string DisplayName { get; set; } = string.Empty;

        public DateTimeOffset JoinedAt { get; set; }

        public bool MfaEnabled { get; set; }

        public string[] Roles { get; set; } = [];

        public UserResponse ToResponse() => new(Id, Email, DisplayName, JoinedAt, MfaEnabled, Roles);
    }

    public static async Task<Results<Ok<Page<UserResponse>>, ValidationProblem>> ListAsync(int? limit, string? cursor, PlatformDbContext db, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        var after = page.After ?? DateTimeOffset.MinValue;
        var afterId = page.AfterId ?? Guid.Empty;
        var rows = await Members(db, tenant.RequiredTenantId)
            .Where(m => m.JoinedAt > after || (m.JoinedAt == after && m.Id.CompareTo(afterId) > 0))
            .OrderBy(m => m.JoinedAt).ThenBy(m => m.Id)
            .Take(page.Limit + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, page, r => r.ToResponse(), item => (item.JoinedAt, item.Id)));
    }

    public static async Task<Results<Ok<UserResponse>, NotFound>> GetAsync(Guid userId, PlatformDbContext db, TenantContext tenant, CancellationToken cancellationToken)
    {
        var row = await Members(db, tenant.RequiredTenantId).SingleOrDefaultAsync(m => m.Id == userId, cancellationToken);
        return row is null ? TypedResults.NotFound() : TypedResults.Ok(row.ToResponse());
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RemoveAsync(
        Guid userId, PlatformDbContext db, TenantContext tenant, AuditTrail audit, PermissionEvaluator permissions, SessionService sessions, CancellationToken cancellationToken)
    {
        var tenantId = tenant.RequiredTenantId;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var member = await db.Members.SingleOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (member is null)
        {
            return TypedResults.NotFound();
        }

        // Same rule as unassigning the owner role: the organization always keeps an owner. Locking the
        // owner rows serializes two owners removing each other.
        var owners = await db.Database.SqlQuery<Guid>(
            $"SELECT user_id AS \"Value\" FROM member_roles WHERE tenant_id = {tenantId} AND role_id = {SystemRoles.Owner.Id} FOR UPDATE").ToListAsync(cancellationToken);
        if (owners.Count == 1 && owners[0] == userId)
        {
            return AuthApi.Problem(StatusCodes.Status409Conflict, AccessRuleViolationException.LastOwner,
                "The last owner cannot be removed.", "Make another member an owner first.");
        }

        db.Members.Remove(member);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync("member.removed", "user", userId.ToString(), before: new { userId, member.JoinedAt }, cancellationToken: cancellationToken);
        await Outbox.AddAsync(db, IntegrationEvent.Create(EventTypes.MemberRemoved, tenantId, new { userId }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await permissions.InvalidateTenantAsync(tenantId, cancellationToken);
        await sessions.RevokeAllAsync(userId, "removed from the organization", cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Every member of the organization (the access review reads them all).</summary>
    internal static Task<List<MemberRow>> AllMembersAsync(PlatformDbContext db, Guid tenantId, CancellationToken cancellationToken) =>
        Members(db, tenantId).OrderBy(m => m.JoinedAt).ThenBy(m => m.Id).ToListAsync(cancellationToken);

    /// <summary>
    /// Members of one organization (explicit tenant condition as well as row-level security: raw SQL skips EF's filter).
    /// Roles are gathered per member row, so a page costs its own rows however large the organization is.
    /// </summary>
    private static IQueryable<MemberRow> Members(PlatformDbContext db, Guid tenantId) => db.Database.SqlQuery<MemberRow>($"""
        SELECT m.user_id AS "Id", u.email AS "Email", u.display_name AS "DisplayName", m.joined_at AS "JoinedAt",
               u.two_factor_enabled AS "MfaEnabled",
               ARRAY(SELECT r.name FROM member_roles mr JOIN roles r ON r.id = mr.role_id
                     WHERE mr.tenant_id = m.tenant_id AND mr.user_id = m.user_id ORDER BY r.name) AS "Roles"
        FROM organization_members m
        JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = {tenantId}
        """);
}
