using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Api.Extensions;
using Platform.Audit;
using Platform.Data;
using Platform.Email;
using Platform.Identity;
using Platform.Identity.Mfa;
using Platform.Identity.Sessions;
using Microsoft.EntityFrameworkCore;
using Platform.Identity.Tokens;
using Platform.RateLimiting;

namespace Api.Apis;

/// <summary>The signed-in user's own account: profile, sessions and second factor. Needs a signed-in user, no permission.</summary>
public static class AccountApi
{
    public static RouteGroupBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/account").WithTags("Account").RequireSignedInUser();

        api.MapGet("/", GetMeAsync).WithName("GetMyAccount").WithSummary("The signed-in user and the current organization.");
        api.MapPut("/", UpdateProfileAsync).WithName("UpdateMyProfile").WithSummary("Change my display name.");
        api.MapPost("/password", ChangePasswordAsync).WithName("ChangeMyPassword")
            .WithSummary("Change my password with the current one; my other sessions in this organization end.")
            .WithRateLimitPolicy(RateLimitOptions.AuthPolicy);
        api.MapGet("/permissions", ListMyPermissionsAsync).WithName("ListMyPermissions")
            .WithSummary("The permissions I hold in the current organization, so a client shows only what I may do.");
        api.MapGet("/sessions", ListSessionsAsync).WithName("ListMySessions").WithSummary("My active sessions in this organization (device, IP, last seen).");
        api.MapDelete("/sessions/{sessionId:guid}", RevokeSessionAsync).WithName("RevokeMySession").WithSummary("End one of my sessions.");
        api.MapPost("/logout", LogoutAsync).WithName("Logout").WithSummary("End the current session.");
        api.MapGet("/organizations", ListOrganizationsAsync).WithName("ListMyOrganizations").WithSummary("The organizations I belong to.");
        api.MapPost("/switch-organization", SwitchOrganizationAsync).WithName("SwitchOrganization")
            .WithSummary("Get tokens for another organization I belong to (a new session there).");
        api.MapPost("/mfa/setup", BeginMfaSetupAsync).WithName("BeginMfaSetup").WithSummary("Create an authenticator key to scan; confirm it with /mfa/enable.");
        api.MapPost("/mfa/enable", EnableMfaAsync).WithName("EnableMfa").WithSummary("Confirm the authenticator with a code; returns recovery codes once.");
        api.MapPost("/mfa/disable", DisableMfaAsync).WithName("DisableMfa").WithSummary("Turn the second factor off (needs a current code).");
        api.MapPost("/mfa/recovery-codes", RegenerateRecoveryCodesAsync).WithName("RegenerateRecoveryCodes").WithSummary("Replace the recovery codes (needs a current code).");
        return api;
    }

    public sealed record AccountResponse(Guid UserId, string? Email, string DisplayName, bool MfaEnabled, Guid OrganizationId, Guid SessionId);

    public sealed record SessionResponse(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? Ip, string? UserAgent, bool Current);

    public sealed record CodeRequest(string Code);

    public sealed record OrganizationResponse(Guid Id, string Slug, string Name, bool Current);

    public sealed record SwitchRequest(Guid OrganizationId);

    public static async Task<Ok<List<OrganizationResponse>>> ListOrganizationsAsync(ClaimsPrincipal principal, PlatformDbContext db, CancellationToken cancellationToken)
    {
        var current = Guid.Parse(principal.FindFirst(PlatformClaims.Tenant)!.Value);
        var userId = UserId(principal);
        // Row-level security lets a user read their own memberships in every organization.
        var organizations = await db.Members.IgnoreQueryFilters().Where(m => m.UserId == userId)
            .Join(db.Organizations, m => m.TenantId, o => o.Id, (m, o) => new { o.Id, o.Slug, o.Name })
            .OrderBy(o => o.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(organizations.Select(o => new OrganizationResponse(o.Id, o.Slug, o.Name, o.Id == current)).ToList());
    }

    public static async Task<Results<Ok<AuthApi.TokenResponse>, ProblemHttpResult>> SwitchOrganizationAsync(
        SwitchRequest request, ClaimsPrincipal principal, PlatformDbContext db, UserManager<PlatformUser> users, IServiceScopeFactory scopes, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = UserId(principal);
        var target = await db.Members.IgnoreQueryFilters().Where(m => m.UserId == userId && m.TenantId == request.OrganizationId)
            .Join(db.Organizations, m => m.TenantId, o => o.Id, (m, o) => new { o.Id, o.MfaRequired }).SingleOrDefaultAsync(cancellationToken);
        if (target is null)
        {
            return AuthApi.Problem(StatusCodes.Status403Forbidden, "not_a_member", "You do not belong to that organization.");
        }

        var user = (await users.FindByIdAsync(userId.ToString()))!;
        var usedSecondFactor = principal.HasClaim(PlatformClaims.AuthenticationMethod, "mfa");
        // The request's scope is bound to the current organization; the new session lives in a scope of its own.
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Platform.Tenancy.TenantContext>().Set(target.Id, userId);
        var origin = scope.ServiceProvider.GetRequiredService<RequestOrigin>();
        (origin.ActorType, origin.ActorId, origin.Ip, origin.UserAgent) = (AuditActorType.User, userId, http.Connection.RemoteIpAddress, http.Request.Headers.UserAgent.ToString());
        var targetDb = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await using var transaction = await targetDb.Database.BeginTransactionAsync(cancellationToken);
        var tokens = await scope.ServiceProvider.GetRequiredService<SessionService>()
            .StartAsync(user, usedSecondFactor, http.Connection.RemoteIpAddress, http.Request.Headers.UserAgent.ToString(), cancellationToken);
        await scope.ServiceProvider.GetRequiredService<AuditTrail>().RecordAsync("session.switched_in", "session", tokens.SessionId.ToString(), cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new AuthApi.TokenResponse(tokens.AccessToken, tokens.AccessTokenExpiresAt, tokens.RefreshToken, tokens.RefreshTokenExpiresAt, "Bearer",
            target.MfaRequired && !user.TwoFactorEnabled));
    }

    public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

    public static async Task<Results<Ok<AccountResponse>, NotFound>> GetMeAsync(ClaimsPrincipal principal, UserManager<PlatformUser> users)
    {
        var user = await users.FindByIdAsync(UserId(principal).ToString());
        return user is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new AccountResponse(user.Id, user.Email, user.DisplayName, user.TwoFactorEnabled, Guid.Parse(principal.FindFirst(PlatformClaims.Tenant)!.Value), SessionId(principal)));
    }

    public sealed record ProfileRequest(string DisplayName);

    public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

    public static async Task<Ok<AccountResponse>> UpdateProfileAsync(
        ProfileRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, PlatformDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        var name = request.DisplayName?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            throw Platform.Validation.ValidationFailedException.For("displayName", "Enter your name (1 to 200 characters).");
        }

        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        var before = user.DisplayName;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        user.DisplayName = name;
        await users.UpdateAsync(user);
        await audit.RecordAsync("user.profile_updated", "user", user.Id.ToString(), before: new { displayName = before }, after: new { displayName = name }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new AccountResponse(user.Id, user.Email, user.DisplayName, user.TwoFactorEnabled, Guid.Parse(principal.FindFirst(PlatformClaims.Tenant)!.Value), SessionId(principal)));
    }

    public static async Task<NoContent> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, SessionService sessions, PlatformDbContext db, AuditTrail audit, EmailService email, CancellationToken cancellationToken)
    {
        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword ?? "", request.NewPassword ?? "");
        if (!result.Succeeded)
        {
            throw result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch))
                ? Platform.Validation.ValidationFailedException.For("currentPassword", "The current password is not correct.")
                : new Platform.Validation.ValidationFailedException(new Dictionary<string, string[]> { ["newPassword"] = [.. result.Errors.Select(e => e.Description)] });
        }

        // Whoever else held a session with the old password loses it; this one stays.
        foreach (var other in (await sessions.ListAsync(user.Id, cancellationToken)).Where(s => s.Id != SessionId(principal)))
        {
            await sessions.RevokeAsync(user.Id, other.Id, "password changed", cancellationToken);
        }

        await audit.RecordAsync("user.password_changed", "user", user.Id.ToString(), isSecurityEvent: true, cancellationToken: cancellationToken);
        await NoticeAsync(email, db, principal, user, EmailTemplates.PasswordChanged, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public sealed record PermissionsResponse(IReadOnlyList<string> Permissions);

    public static async Task<Ok<PermissionsResponse>> ListMyPermissionsAsync(ClaimsPrincipal principal, Platform.Access.PermissionEvaluator permissions, CancellationToken cancellationToken)
    {
        var held = await permissions.GetPermissionsAsync(Guid.Parse(principal.FindFirst(PlatformClaims.Tenant)!.Value), UserId(principal), cancellationToken);
        return TypedResults.Ok(new PermissionsResponse([.. held.Order(StringComparer.Ordinal)]));
    }

    public static async Task<Ok<List<SessionResponse>>> ListSessionsAsync(ClaimsPrincipal principal, SessionService sessions, CancellationToken cancellationToken)
    {
        var current = SessionId(principal);
        var list = await sessions.ListAsync(UserId(principal), cancellationToken);
        return TypedResults.Ok(list.Select(s => new SessionResponse(s.Id, s.CreatedAt, s.LastSeenAt, s.Ip?.ToString(), s.UserAgent, s.Id == current)).ToList());
    }

    public static async Task<Results<NoContent, NotFound>> RevokeSessionAsync(Guid sessionId, ClaimsPrincipal principal, SessionService sessions, PlatformDbContext db, AuditTrail audit, CancellationToken cancellationToken) =>
        await AuditedAsync(db, audit, "session.revoked", "session", sessionId, () => sessions.RevokeAsync(UserId(principal), sessionId, "revoked by the user", cancellationToken), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    public static async Task<NoContent> LogoutAsync(ClaimsPrincipal principal, SessionService sessions, PlatformDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        await AuditedAsync(db, audit, "session.signed_out", "session", SessionId(principal), () => sessions.RevokeAsync(UserId(principal), SessionId(principal), "signed out", cancellationToken), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<AuthenticatorSetup>> BeginMfaSetupAsync(
        ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa, PlatformDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var setup = await mfa.BeginSetupAsync(user);
        await audit.RecordAsync("mfa.setup_started", "user", user.Id.ToString(), isSecurityEvent: true, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(setup);
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> EnableMfaAsync(
        CodeRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa, PlatformDbContext db, AuditTrail audit, EmailService email, CancellationToken cancellationToken)
    {
        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var codes = await mfa.EnableAsync(user, request.Code ?? "");
        if (codes is null)
        {
            return InvalidCode();
        }

        await audit.RecordAsync("mfa.enabled", "user", user.Id.ToString(), isSecurityEvent: true, cancellationToken: cancellationToken);
        await NoticeAsync(email, db, principal, user, EmailTemplates.MfaEnabled, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DisableMfaAsync(
        CodeRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa, PlatformDbContext db, AuditTrail audit, EmailService email, CancellationToken cancellationToken)
    {
        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await mfa.VerifyCodeAsync(user, request.Code ?? ""))
        {
            return InvalidCode();
        }

        await mfa.DisableAsync(user);
        await audit.RecordAsync("mfa.disabled", "user", user.Id.ToString(), isSecurityEvent: true, cancellationToken: cancellationToken);
        await NoticeAsync(email, db, principal, user, EmailTemplates.MfaDisabled, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> RegenerateRecoveryCodesAsync(
        CodeRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa, PlatformDbContext db, AuditTrail audit, EmailService email, CancellationToken cancellationToken)
    {
        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await mfa.VerifyCodeAsync(user, request.Code ?? ""))
        {
            return InvalidCode();
        }

        var codes = await mfa.RegenerateRecoveryCodesAsync(user);
        await audit.RecordAsync("mfa.recovery_codes_regenerated", "user", user.Id.ToString(), isSecurityEvent: true, cancellationToken: cancellationToken);
        await NoticeAsync(email, db, principal, user, EmailTemplates.MfaRecoveryCodesRegenerated, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    /// <summary>Runs a change and its audit entry in one transaction; audits only when something changed.</summary>
    private static async Task<bool> AuditedAsync(PlatformDbContext db, AuditTrail audit, string action, string resourceType, Guid resourceId, Func<Task<bool>> change, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await change())
        {
            return false;
        }

        await audit.RecordAsync(action, resourceType, resourceId.ToString(), cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Queues a security notice about the account to its owner, in the change's transaction (sent exactly when it commits).</summary>
    private static async Task NoticeAsync(EmailService email, PlatformDbContext db, ClaimsPrincipal principal, PlatformUser user, string template, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(user.Email))
        {
            return;
        }

        var organization = Guid.Parse(principal.FindFirst(PlatformClaims.Tenant)!.Value);
        await email.QueueAsync(db, new EmailRequest(organization, template, user.Email, null, new Dictionary<string, object?>
        {
            ["userName"] = string.IsNullOrWhiteSpace(user.DisplayName) ? user.Email : user.DisplayName,
            ["changedAt"] = DateTimeOffset.UtcNow,
        }), cancellationToken);
    }

    private static ProblemHttpResult InvalidCode() =>
        AuthApi.Problem(StatusCodes.Status400BadRequest, "invalid_code", "The code is not valid. Use the current code from your authenticator app.");

    private static Guid UserId(ClaimsPrincipal principal) => Guid.Parse(principal.FindFirst(PlatformClaims.Subject)!.Value);

    private static Guid SessionId(ClaimsPrincipal principal) => Guid.Parse(principal.FindFirst(PlatformClaims.Session)!.Value);
}
