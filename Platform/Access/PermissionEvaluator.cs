using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Caching;
using Platform.Tenancy;

namespace Platform.Access;

/// <summary>
/// What a member may do in an organization: the union of the permissions of their roles, read from
/// member_roles → role_permissions under row-level security and cached in Redis and in memory.
/// </summary>
/// <remarks>
/// Cache entries live under <c>access:v{version}:{tenant}:{user}</c>, where the version is a per-tenant counter
/// (<c>access:version:{tenant}</c>, a <see cref="SharedVersions"/> counter). <see cref="InvalidateTenantAsync"/> moves it
/// on, so every member's entry for that organization is bypassed at once on every replica and the old ones simply
/// expire. An entry's content never changes under its key, so each replica also keeps the sets it has read in memory:
/// a request usually costs no Redis round trip at all. The version is read before the database, so an entry computed
/// from rows older than a change can only be stored under a version that is no longer read.
/// When Redis is unavailable, permissions are computed from the database (never granted by default).
/// </remarks>
public sealed partial class PermissionEvaluator(
    NpgsqlDataSource dataSource,
    RedisClient redis,
    SharedVersions versions,
    IOptions<AccessControlOptions> options,
    TimeProvider clock,
    ILogger<PermissionEvaluator> logger)
{
    // Bounded: past this many member sets in memory the local copy starts over (Redis still holds them).
    private const int MaxLocalEntries = 100_000;

    private readonly TimeSpan _ttl = options.Value.PermissionCacheTtl;
    private readonly ConcurrentDictionary<string, LocalEntry> _local = new(StringComparer.Ordinal);

    /// <summary>The permissions of <paramref name="userId"/> in <paramref name="tenantId"/>; empty when they hold no role there.</summary>
    public async Task<IReadOnlySet<string>> GetPermissionsAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken = default)
    {
        string? cacheKey = null;
        try
        {
            var version = await versions.GetAsync(VersionKey(tenantId), cancellationToken);
            cacheKey = CacheKey(version, tenantId, userId);
            if (_local.TryGetValue(cacheKey, out var local) && clock.GetUtcNow() < local.Until)
            {
                return local.Permissions;
            }

            if (await redis.GetStringAsync(cacheKey, cancellationToken) is { } cached)
            {
                return Remember(cacheKey, JsonSerializer.Deserialize<string[]>(cached)!.ToFrozenSet(StringComparer.Ordinal));
            }
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            LogCacheUnavailable(logger, tenantId, userId, error);
        }

        IReadOnlySet<string> permissions;
        await using (var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId, cancellationToken))
        {
            permissions = await LoadAsync(transaction, tenantId, userId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (cacheKey is not null)
        {
            try
            {
                await redis.SetAsync(cacheKey, JsonSerializer.Serialize(permissions.Order(StringComparer.Ordinal)), _ttl, cancellationToken: cancellationToken);
                Remember(cacheKey, permissions);
            }
            catch (Exception error) when (error is RedisException or TimeoutException)
            {
                LogCacheUnavailable(logger, tenantId, userId, error);
            }
        }

        return permissions;
    }

    /// <summary>Whether <paramref name="userId"/> holds <paramref name="permission"/> in <paramref name="tenantId"/>.</summary>
    /// <exception cref="UnknownPermissionException"><paramref name="permission"/> is not in the catalogue (a typo would otherwise deny silently).</exception>
    public async Task<bool> HasPermissionAsync(Guid tenantId, Guid userId, string permission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permission);
        if (!PermissionCatalogue.Contains(permission))
        {
            throw new UnknownPermissionException([permission]);
        }

        return (await GetPermissionsAsync(tenantId, userId, cancellationToken)).Contains(permission);
    }

    /// <summary>
    /// Makes every cached permission set of the organization stale at once. Call it after any change to its
    /// roles, role permissions, assignments or memberships (<see cref="RoleService"/> does for its own changes).
    /// </summary>
    public async Task InvalidateTenantAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        var version = await versions.BumpAsync(VersionKey(tenantId), cancellationToken);
        LogInvalidated(logger, tenantId, version);
    }

    /// <summary>The member's permissions as the database holds them, inside the caller's transaction.</summary>
    internal static async Task<IReadOnlySet<string>> LoadAsync(TenantTransaction transaction, Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = transaction.Command(
            """
            SELECT DISTINCT rp.permission_name
            FROM member_roles mr
            JOIN role_permissions rp ON rp.role_id = mr.role_id
            WHERE mr.tenant_id = $1 AND mr.user_id = $2
            """,
            tenantId,
            userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var permissions = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            permissions.Add(reader.GetString(0));
        }

        return permissions.ToFrozenSet(StringComparer.Ordinal);
    }

    internal static string VersionKey(Guid tenantId) => $"access:version:{tenantId:N}";

    internal static string CacheKey(long version, Guid tenantId, Guid userId) =>
        string.Create(CultureInfo.InvariantCulture, $"access:v{version}:{tenantId:N}:{userId:N}");

    private IReadOnlySet<string> Remember(string cacheKey, IReadOnlySet<string> permissions)
    {
        if (_local.Count >= MaxLocalEntries)
        {
            _local.Clear();
        }

        _local[cacheKey] = new LocalEntry(permissions, clock.GetUtcNow() + _ttl);
        return permissions;
    }

    private sealed record LocalEntry(IReadOnlySet<string> Permissions, DateTimeOffset Until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Permission cache unavailable for tenant {TenantId} user {UserId}; reading the database")]
    private static partial void LogCacheUnavailable(ILogger logger, Guid tenantId, Guid userId, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Permission cache of tenant {TenantId} invalidated (version {Version})")]
    private static partial void LogInvalidated(ILogger logger, Guid tenantId, long version);
}
