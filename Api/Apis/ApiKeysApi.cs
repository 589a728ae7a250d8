using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Access;
using Platform.Identity.ApiKeys;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>The organization's API keys.</summary>
public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/api-keys").WithTags("API keys");

        api.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("The organization's API keys (never their secrets).")
            .RequirePermission(Permissions.ApiKeys.Read);
        api.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create a key with some of your own permissions; the key is shown once.")
            .WithIdempotency()
            .RequirePermission(Permissions.ApiKeys.Create);
        api.MapDelete("/{keyId:guid}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke a key; it stops working at once.")
            .RequirePermission(Permissions.ApiKeys.Revoke);
        return api;
    }

    public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string> Permissions, DateTimeOffset? ExpiresAt);

    public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
        DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

    public sealed record CreatedApiKeyResponse(ApiKeyResponse ApiKey, string Key);

    public static async Task<Ok<List<ApiKeyResponse>>> ListAsync(ApiKeyService keys, CancellationToken cancellationToken) =>
        TypedResults.Ok((await keys.ListAsync(cancellationToken)).Select(ToResponse).ToList());

    public static async Task<Created<CreatedApiKeyResponse>> CreateAsync(CreateApiKeyRequest request, TenantContext tenant, ApiKeyService keys, CancellationToken cancellationToken)
    {
        var actor = tenant.UserId ?? throw new AccessDeniedException("API keys are created by signed-in members.");
        var created = await keys.CreateAsync(actor, request.Name ?? "", request.Permissions ?? [], request.ExpiresAt, cancellationToken);
        return TypedResults.Created($"/api/v1/api-keys/{created.Record.Id}", new CreatedApiKeyResponse(ToResponse(created.Record), created.Key));
    }

    public static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid keyId, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(keyId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static ApiKeyResponse ToResponse(ApiKey k) => new(k.Id, k.Name, k.Prefix, k.Permissions, k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt);
}
