using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Identity;
using Platform.RateLimiting;
using Platform.Identity.Sessions;

namespace Api.Apis;

/// <summary>Registration, sign-in, token refresh, sign-out and password reset: the anonymous entry points.</summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/auth").WithTags("Authentication").AllowAnonymous();

        api.MapPost("/register", RegisterAsync).WithName("Register").WithSummary("Create an organization and its owner account; sends an email confirmation code.")
            .WithIdempotency()
            .WithRateLimitPolicy(RateLimitOptions.AuthPolicy);
        api.MapPost("/confirm-email", ConfirmEmailAsync).WithName("ConfirmEmail").WithSummary("Confirm an email address with the emailed code.");
        api.MapPost("/login", LoginAsync).WithName("Login").WithSummary("Sign in with email and password (and a second factor when enabled); returns tokens.")
            .WithRateLimitPolicy(RateLimitOptions.AuthPolicy);
        api.MapPost("/refresh", RefreshAsync).WithName("Refresh").WithSummary("Exchange a refresh token for a new token pair; reuse of a token revokes its session.");
        api.MapPost("/forgot-password", ForgotPasswordAsync).WithName("ForgotPassword").WithSummary("Email a password reset code if the account exists.")
            .WithRateLimitPolicy(RateLimitOptions.AuthPolicy);
        api.MapPost("/reset-password", ResetPasswordAsync).WithName("ResetPassword").WithSummary("Set a new password with a reset code.")
            .WithRateLimitPolicy(RateLimitOptions.AuthPolicy);
        api.MapPost("/accept-invitation", AcceptInvitationAsync).WithName("AcceptInvitation")
            .WithSummary("Join an organization with an emailed invitation code: creates the account, or links an existing one after its password.")
            .WithRateLimitPolicy(RateLimitOptions.AuthPolicy);
        return api;
    }

    public sealed record AcceptInvitationRequest(string Code, string Password, string? DisplayName);

    public static async Task<Results<NoContent, ProblemHttpResult>> AcceptInvitationAsync(AcceptInvitationRequest request, Platform.Identity.Invitations.InvitationService invitations, CancellationToken cancellationToken)
    {
        var (outcome, _) = await invitations.AcceptAsync(request.Code ?? "", request.Password ?? "", request.DisplayName, cancellationToken);
        return outcome switch
        {
            Platform.Identity.Invitations.AcceptOutcome.Joined => TypedResults.NoContent(),
            Platform.Identity.Invitations.AcceptOutcome.Expired => Problem(StatusCodes.Status410Gone, "invitation_expired", "This invitation has expired; ask for a new one."),
            Platform.Identity.Invitations.AcceptOutcome.AlreadyUsed => Problem(StatusCodes.Status409Conflict, "invitation_used", "This invitation was already accepted."),
            Platform.Identity.Invitations.AcceptOutcome.WrongPassword => Problem(StatusCodes.Status401Unauthorized, "invalid_credentials", "This email already has an account: enter its password to join."),
            _ => Problem(StatusCodes.Status400BadRequest, "invalid_invitation", "The invitation code is not valid."),
        };
    }

    public sealed record RegisterRequest(string OrganizationName, string OrganizationSlug, string Email, string Password, string DisplayName);

    public sealed record RegisterResponse(Guid OrganizationId, string OrganizationSlug, Guid UserId);

    public sealed record ConfirmEmailRequest(Guid UserId, string Code);

    public sealed record LoginRequest(string Email, string Password, string? Organization, string? TotpCode, string? RecoveryCode);

    public sealed record TokenResponse(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, string TokenType, bool MfaSetupRequired);

    public sealed record RefreshRequest(string RefreshToken);

    public sealed record ForgotPasswordRequest(string Email);

    public sealed record ResetPasswordRequest(string Email, string Code, string NewPassword);

    public static async Task<Created<RegisterResponse>> RegisterAsync(RegisterRequest request, AccountService accounts, CancellationToken cancellationToken)
    {
        var (organization, owner) = await accounts.RegisterAsync(
            new Registration(request.OrganizationName ?? "", request.OrganizationSlug ?? "", request.Email ?? "", request.Password ?? "", request.DisplayName ?? ""), cancellationToken);
        return TypedResults.Created($"/api/v1/organizations/{organization.Id}", new RegisterResponse(organization.Id, organization.Slug, owner.Id));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ConfirmEmailAsync(ConfirmEmailRequest request, AccountService accounts) =>
        await accounts.ConfirmEmailAsync(request.UserId, request.Code ?? "")
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The confirmation code is not valid or has expired.");

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> LoginAsync(LoginRequest request, AccountService accounts, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await accounts.SignInAsync(
            new SignIn(request.Email ?? "", request.Password ?? "", request.Organization, request.TotpCode, request.RecoveryCode,
                http.Connection.RemoteIpAddress, http.Request.Headers.UserAgent.ToString()),
            http.Features.Get<HostOrganization>()?.Id, cancellationToken);
        return result.Status switch
        {
            SignInStatus.Succeeded => TypedResults.Ok(ToResponse(result.Tokens!, result.MfaSetupRequired)),
            SignInStatus.LockedOut => Problem(StatusCodes.Status423Locked, "locked_out", "The account is locked after too many failed attempts.",
                $"Try again after {result.LockedUntil:u}, or reset your password."),
            SignInStatus.EmailNotConfirmed => Problem(StatusCodes.Status403Forbidden, "email_not_confirmed", "Confirm your email address before signing in."),
            SignInStatus.SecondFactorRequired => Problem(StatusCodes.Status401Unauthorized, "second_factor_required", "Enter the code from your authenticator app or a recovery code."),
            SignInStatus.NotAMember => Problem(StatusCodes.Status403Forbidden, "not_a_member", "This account does not belong to that organization."),
            SignInStatus.Throttled => Problem(StatusCodes.Status429TooManyRequests, "sign_in_throttled", "Too many failed sign-ins from this address.", "Wait a few minutes before trying again."),
            _ => Problem(StatusCodes.Status401Unauthorized, "invalid_credentials", "The email or password is not correct."),
        };
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(RefreshRequest request, SessionService sessions, CancellationToken cancellationToken)
    {
        var (outcome, tokens, _) = await sessions.RefreshAsync(request.RefreshToken ?? "", cancellationToken);
        return outcome switch
        {
            RefreshOutcome.Refreshed => TypedResults.Ok(ToResponse(tokens!, mfaSetupRequired: false)),
            RefreshOutcome.ReuseDetected => Problem(StatusCodes.Status401Unauthorized, "refresh_token_reused",
                "This refresh token was already used. The session has been ended for safety; sign in again."),
            RefreshOutcome.Expired => Problem(StatusCodes.Status401Unauthorized, "refresh_token_expired", "The session has expired; sign in again."),
            RefreshOutcome.SessionRevoked => Problem(StatusCodes.Status401Unauthorized, "session_revoked", "The session was ended; sign in again."),
            _ => Problem(StatusCodes.Status401Unauthorized, "invalid_refresh_token", "The refresh token is not valid."),
        };
    }

    public static async Task<Accepted> ForgotPasswordAsync(ForgotPasswordRequest request, AccountService accounts, CancellationToken cancellationToken)
    {
        await accounts.RequestPasswordResetAsync(request.Email ?? "", cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ResetPasswordAsync(ResetPasswordRequest request, AccountService accounts) =>
        await accounts.ResetPasswordAsync(request.Email ?? "", request.Code ?? "", request.NewPassword ?? "")
            ? TypedResults.NoContent()
            : Problem(StatusCodes.Status400BadRequest, "invalid_reset_code", "The reset code is not valid, was already used, or has expired.");

    private static TokenResponse ToResponse(TokenPair tokens, bool mfaSetupRequired) =>
        new(tokens.AccessToken, tokens.AccessTokenExpiresAt, tokens.RefreshToken, tokens.RefreshTokenExpiresAt, "Bearer", mfaSetupRequired);

    /// <summary>A problem with a stable machine-readable type clients can switch on.</summary>
    internal static ProblemHttpResult Problem(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, type: Problems.TypeFor(code),
            extensions: new Dictionary<string, object?> { ["code"] = code });
}
