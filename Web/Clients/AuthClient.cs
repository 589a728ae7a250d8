namespace Web.Clients;

/// <summary>The Api's anonymous entry points: registration, confirmation, sign-in, token refresh, password reset, invitations.</summary>
public sealed class AuthClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<Registered>> RegisterAsync(Registration registration, CancellationToken cancellationToken = default) =>
        PostAsync<Registered>("/api/v1/auth/register", registration, cancellationToken);

    public Task<ApiResult<Done>> ConfirmEmailAsync(Guid userId, string code, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/auth/confirm-email", new { userId, code }, cancellationToken);

    public Task<ApiResult<TokenPair>> LoginAsync(Credentials credentials, CancellationToken cancellationToken = default) =>
        PostAsync<TokenPair>("/api/v1/auth/login", credentials, cancellationToken);

    public Task<ApiResult<TokenPair>> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default) =>
        PostAsync<TokenPair>("/api/v1/auth/refresh", new { refreshToken }, cancellationToken);

    public Task<ApiResult<Done>> ForgotPasswordAsync(string email, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/auth/forgot-password", new { email }, cancellationToken);

    public Task<ApiResult<Done>> ResetPasswordAsync(string email, string code, string newPassword, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/auth/reset-password", new { email, code, newPassword }, cancellationToken);

    public Task<ApiResult<Done>> AcceptInvitationAsync(string code, string password, string? displayName, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/auth/accept-invitation", new { code, password, displayName }, cancellationToken);
}

public sealed record Registration(string OrganizationName, string OrganizationSlug, string Email, string Password, string DisplayName);

public sealed record Registered(Guid OrganizationId, string OrganizationSlug, Guid UserId);

public sealed record Credentials(string Email, string Password, string? Organization = null, string? TotpCode = null, string? RecoveryCode = null);

/// <summary>The Api's access and refresh tokens: kept on the server (Session/TokenStore), never sent to the browser.</summary>
public sealed record TokenPair(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, bool MfaSetupRequired);
