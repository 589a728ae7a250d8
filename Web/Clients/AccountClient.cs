namespace Web.Clients;

/// <summary>The signed-in user's own account at the Api: profile, permissions, organizations, sessions and second factor.</summary>
public sealed class AccountClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<Account>> GetAsync(CancellationToken cancellationToken = default) =>
        GetAsync<Account>("/api/v1/account", cancellationToken);

    public Task<ApiResult<Account>> UpdateProfileAsync(string displayName, CancellationToken cancellationToken = default) =>
        PutAsync<Account>("/api/v1/account", new { displayName }, cancellationToken);

    public Task<ApiResult<Done>> ChangePasswordAsync(string currentPassword, string newPassword, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/account/password", new { currentPassword, newPassword }, cancellationToken);

    public Task<ApiResult<HeldPermissions>> PermissionsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<HeldPermissions>("/api/v1/account/permissions", cancellationToken);

    public Task<ApiResult<List<Organization>>> OrganizationsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<Organization>>("/api/v1/account/organizations", cancellationToken);

    public Task<ApiResult<TokenPair>> SwitchOrganizationAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        PostAsync<TokenPair>("/api/v1/account/switch-organization", new { organizationId }, cancellationToken);

    public Task<ApiResult<List<ActiveSession>>> SessionsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<ActiveSession>>("/api/v1/account/sessions", cancellationToken);

    public Task<ApiResult<Done>> RevokeSessionAsync(Guid sessionId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/account/sessions/{sessionId}", cancellationToken);

    public Task<ApiResult<Done>> LogoutAsync(CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/account/logout", null, cancellationToken);

    public Task<ApiResult<AuthenticatorSetup>> BeginMfaSetupAsync(CancellationToken cancellationToken = default) =>
        PostAsync<AuthenticatorSetup>("/api/v1/account/mfa/setup", null, cancellationToken);

    public Task<ApiResult<RecoveryCodes>> EnableMfaAsync(string code, CancellationToken cancellationToken = default) =>
        PostAsync<RecoveryCodes>("/api/v1/account/mfa/enable", new { code }, cancellationToken);

    public Task<ApiResult<Done>> DisableMfaAsync(string code, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/account/mfa/disable", new { code }, cancellationToken);

    public Task<ApiResult<RecoveryCodes>> RegenerateRecoveryCodesAsync(string code, CancellationToken cancellationToken = default) =>
        PostAsync<RecoveryCodes>("/api/v1/account/mfa/recovery-codes", new { code }, cancellationToken);
}

public sealed record Account(Guid UserId, string? Email, string DisplayName, bool MfaEnabled, Guid OrganizationId, Guid SessionId);

public sealed record HeldPermissions(IReadOnlyList<string> Permissions);

public sealed record Organization(Guid Id, string Slug, string Name, bool Current);

public sealed record ActiveSession(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? Ip, string? UserAgent, bool Current);

public sealed record AuthenticatorSetup(string SharedKey, string OtpAuthUri);

public sealed record RecoveryCodes(IReadOnlyList<string> Codes)
{
    // The Api names the list recoveryCodes.
    [System.Text.Json.Serialization.JsonPropertyName("recoveryCodes")]
    public IReadOnlyList<string> Codes { get; init; } = Codes;
}
