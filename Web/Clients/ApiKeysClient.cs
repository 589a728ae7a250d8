namespace Web.Clients;

/// <summary>The organization's API keys at the Api (api_keys.* permissions); a key's secret comes back once, at creation.</summary>
public sealed class ApiKeysClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<List<ApiKeyInfo>>> ListAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<ApiKeyInfo>>("/api/v1/api-keys", cancellationToken);

    public Task<ApiResult<CreatedApiKey>> CreateAsync(string name, IReadOnlyList<string> permissions, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default) =>
        PostAsync<CreatedApiKey>("/api/v1/api-keys", new { name, permissions, expiresAt }, cancellationToken);

    public Task<ApiResult<Done>> RevokeAsync(Guid keyId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/api-keys/{keyId}", cancellationToken);
}

public sealed record ApiKeyInfo(Guid Id, string Name, string Prefix, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>A new key and its secret, which the Api never shows again.</summary>
public sealed record CreatedApiKey(ApiKeyInfo ApiKey, string Key);
