using System.Net;
using Microsoft.EntityFrameworkCore;
using Platform.Access;
using Platform.Audit;
using Platform.Data;
using Platform.Identity.Tokens;
using Platform.Security;
using Platform.Tenancy;
using Platform.Validation;
using Platform.Messaging;

namespace Platform.Identity.ApiKeys;

/// <summary>A new key: the secret is in <see cref="Key"/> and is never shown again.</summary>
public sealed record CreatedApiKey(ApiKey Record, string Key);

/// <summary>Who an API key authenticates as, or why it does not.</summary>
public sealed record ApiKeyAuthentication(bool Succeeded, Guid TenantId = default, Guid KeyId = default, IReadOnlyList<string>? Permissions = null, string? Failure = null);

/// <summary>
/// API keys of the current organization: created with a subset of the creator's own permissions,
/// listed, revoked, and authenticated on every request that presents one (stamping last use).
/// </summary>
public sealed class ApiKeyService(PlatformDbContext db, TenantContext tenant, PermissionEvaluator permissions, AuditTrail audit, SecurityEventRecorder security, TimeProvider clock)
{
    private const string Kind = "bpk";

    /// <summary>How often last-used is written at most: a busy key should not write on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<CreatedApiKey> CreateAsync(Guid actorId, string name, IReadOnlyCollection<string> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        var tenantId = tenant.RequiredTenantId;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100)
        {
            errors["name"] = ["Name the key (1 to 100 characters)."];
        }

        if (scopes.Count == 0)
        {
            errors["permissions"] = ["Give the key at least one permission."];
        }

        if (expiresAt is { } expiry && expiry <= clock.GetUtcNow())
        {
            errors["expiresAt"] = ["The expiry must be in the future."];
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        var unknown = PermissionCatalogue.Unknown(scopes);
        if (unknown.Count > 0)
        {
            throw new UnknownPermissionException(unknown);
        }

        // Nobody can hand a key more than they hold themselves.
        var held = await permissions.GetPermissionsAsync(tenantId, actorId, cancellationToken).ConfigureAwait(false);
        var missing = scopes.Where(s => !held.Contains(s)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new AccessDeniedException(missing, $"You cannot give a key permissions you do not hold: {string.Join(", ", missing)}.");
        }

        var token = OpaqueToken.Create(Kind, tenantId);
        var key = new ApiKey
        {
            Id = token.Id,
            Name = name.Trim(),
            Prefix = token.Prefix,
            SecretHash = token.SecretHash,
            Permissions = [.. scopes.Distinct().Order(StringComparer.Ordinal)],
            CreatedBy = actorId,
            CreatedAt = clock.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        db.Add(key);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync("api_key.created", "api_key", key.Id.ToString(), after: new { key.Name, key.Prefix, key.Permissions, key.ExpiresAt }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Outbox.AddAsync(db, IntegrationEvent.Create(EventTypes.ApiKeyCreated, key.TenantId, new { apiKeyId = key.Id, key.Name, key.Prefix, key.ExpiresAt }), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key, token.ToString());
    }

    public Task<List<ApiKey>> ListAsync(CancellationToken cancellationToken = default) =>
        db.Set<ApiKey>().OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);

    public async Task<bool> RevokeAsync(Guid keyId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var key = await db.Set<ApiKey>().SingleOrDefaultAsync(k => k.Id == keyId && k.RevokedAt == null, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return false;
        }

        key.RevokedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync("api_key.revoked", "api_key", key.Id.ToString(), before: new { key.Name, key.Prefix }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Outbox.AddAsync(db, IntegrationEvent.Create(EventTypes.ApiKeyRevoked, key.TenantId, new { apiKeyId = key.Id, key.Name, key.Prefix }), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Checks a presented key. Sets the request's organization from the key; misuse is recorded as a security event.</summary>
    public async Task<ApiKeyAuthentication> AuthenticateAsync(string presented, IPAddress? ip, string? userAgent, CancellationToken cancellationToken = default)
    {
        if (!OpaqueToken.TryParse(presented, Kind, out var token))
        {
            return new ApiKeyAuthentication(false, Failure: "The API key is not valid.");
        }

        tenant.Set(token.TenantId, userId: null);
        var key = await db.Set<ApiKey>().SingleOrDefaultAsync(k => k.Id == token.Id, cancellationToken).ConfigureAwait(false);
        if (key is null || !token.Matches(key.SecretHash))
        {
            tenant.Reset();
            return new ApiKeyAuthentication(false, Failure: "The API key is not valid.");
        }

        var now = clock.GetUtcNow();
        var problem = key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= now ? "expired" : null;
        if (problem is not null)
        {
            await security.RecordAsync(new SecurityEvent(SecurityEventType.ApiKeyMisuse, key.TenantId, null, ip, Detail: $"{problem} key {key.Prefix} used",
                UserAgent: userAgent, ActorType: AuditActorType.ApiKey, ActorId: key.Id), cancellationToken).ConfigureAwait(false);
            tenant.Reset();
            return new ApiKeyAuthentication(false, Failure: $"The API key was {problem}.");
        }

        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            key.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return new ApiKeyAuthentication(true, key.TenantId, key.Id, key.Permissions);
    }
}
