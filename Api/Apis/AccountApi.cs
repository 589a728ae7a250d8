using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Api.Extensions;
using Platform.Identity;
using Platform.Identity.Mfa;
using Platform.Identity.Sessions;
using Platform.Identity.Tokens;

namespace Api.Apis;

/// <summary>The signed-in user's own account: profile, sessions and second factor. Needs a signed-in user, no permission.</summary>
public static class AccountApi
{
    public static RouteGroupBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/account").WithTags("Account").RequireSignedInUser();

        api.MapGet("/", GetMeAsync).WithName("GetMyAccount").WithSummary("The signed-in user and the current organization.");
        api.MapGet("/sessions", ListSessionsAsync).WithName("ListMySessions").WithSummary("My active sessions in this organization (device, IP, last seen).");
        api.MapDelete("/sessions/{sessionId:guid}", RevokeSessionAsync).WithName("RevokeMySession").WithSummary("End one of my sessions.");
        api.MapPost("/logout", LogoutAsync).WithName("Logout").WithSummary("End the current session.");
        api.MapPost("/mfa/setup", BeginMfaSetupAsync).WithName("BeginMfaSetup").WithSummary("Create an authenticator key to scan; confirm it with /mfa/enable.");
        api.MapPost("/mfa/enable", EnableMfaAsync).WithName("EnableMfa").WithSummary("Confirm the authenticator with a code; returns recovery codes once.");
        api.MapPost("/mfa/disable", DisableMfaAsync).WithName("DisableMfa").WithSummary("Turn the second factor off (needs a current code).");
        api.MapPost("/mfa/recovery-codes", RegenerateRecoveryCodesAsync).WithName("RegenerateRecoveryCodes").WithSummary("Replace the recovery codes (needs a current code).");
        return api;
    }

    public sealed record AccountResponse(Guid UserId, string? Email, string DisplayName, bool MfaEnabled, Guid OrganizationId, Guid SessionId);

    public sealed record SessionResponse(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? Ip, string? UserAgent, bool Current);

    public sealed record CodeRequest(string Code);

    public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

    public static async Task<Results<Ok<AccountResponse>, NotFound>> GetMeAsync(ClaimsPrincipal principal, UserManager<PlatformUser> users)
    {
        var user = await users.FindByIdAsync(UserId(principal).ToString());
        return user is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new AccountResponse(user.Id, user.Email, user.DisplayName, user.TwoFactorEnabled, Guid.Parse(principal.FindFirst(PlatformClaims.Tenant)!.Value), SessionId(principal)));
    }

    public static async Task<Ok<List<SessionResponse>>> ListSessionsAsync(ClaimsPrincipal principal, SessionService sessions, CancellationToken cancellationToken)
    {
        var current = SessionId(principal);
        var list = await sessions.ListAsync(UserId(principal), cancellationToken);
        return TypedResults.Ok(list.Select(s => new SessionResponse(s.Id, s.CreatedAt, s.LastSeenAt, s.Ip?.ToString(), s.UserAgent, s.Id == current)).ToList());
    }

    public static async Task<Results<NoContent, NotFound>> RevokeSessionAsync(Guid sessionId, ClaimsPrincipal principal, SessionService sessions, CancellationToken cancellationToken) =>
        await sessions.RevokeAsync(UserId(principal), sessionId, "revoked by the user", cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<NoContent> LogoutAsync(ClaimsPrincipal principal, SessionService sessions, CancellationToken cancellationToken)
    {
        await sessions.RevokeAsync(UserId(principal), SessionId(principal), "signed out", cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<AuthenticatorSetup>> BeginMfaSetupAsync(ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa) =>
        TypedResults.Ok(await mfa.BeginSetupAsync((await users.FindByIdAsync(UserId(principal).ToString()))!));

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> EnableMfaAsync(CodeRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa)
    {
        var codes = await mfa.EnableAsync((await users.FindByIdAsync(UserId(principal).ToString()))!, request.Code ?? "");
        return codes is null ? InvalidCode() : TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DisableMfaAsync(CodeRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa)
    {
        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        if (!await mfa.VerifyCodeAsync(user, request.Code ?? ""))
        {
            return InvalidCode();
        }

        await mfa.DisableAsync(user);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> RegenerateRecoveryCodesAsync(CodeRequest request, ClaimsPrincipal principal, UserManager<PlatformUser> users, MfaService mfa)
    {
        var user = (await users.FindByIdAsync(UserId(principal).ToString()))!;
        return await mfa.VerifyCodeAsync(user, request.Code ?? "")
            ? TypedResults.Ok(new RecoveryCodesResponse(await mfa.RegenerateRecoveryCodesAsync(user)))
            : InvalidCode();
    }

    private static ProblemHttpResult InvalidCode() =>
        AuthApi.Problem(StatusCodes.Status400BadRequest, "invalid_code", "The code is not valid. Use the current code from your authenticator app.");

    private static Guid UserId(ClaimsPrincipal principal) => Guid.Parse(principal.FindFirst(PlatformClaims.Subject)!.Value);

    private static Guid SessionId(ClaimsPrincipal principal) => Guid.Parse(principal.FindFirst(PlatformClaims.Session)!.Value);
}
