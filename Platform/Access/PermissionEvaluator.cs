using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Caching;

namespace Platform.Access;

/// <summary>
/// What a member may do in an organization: the union of the permissions of their roles, read from
/// member_roles → role_permissions under row-level security and cached in Redis.
/// </summary>
/// <remarks>
/// Cache entries live under <c>access:v{version}:{tenant}:{user}</c>, where the version is a per-tenant counter
/// (<c>access:version:{tenant}</c>). <see cref="InvalidateTenantAsync"/> increments it, so every member's entry for
/// that organization is bypassed at once and the old ones simply expire. The version is read before the database,
/// so an entry computed from rows older than a change can only be stored under a version that is no longer read.
/// When Redis is unavailable, permissions are computed from the database (never granted by default).
/// </remarks>
public sealed partial class PermissionEvaluator(
    NpgsqlDataSource dataSource,
    RedisClient redis,
    IOptions<AccessControlOptions> options,
    ILogger<PermissionEvaluator> logger)
{
    // A lost version key (eviction, restart without persistence) is re-created from the clock rather than from 0,
    // so it can never fall back onto a version whose entries are still cached.
    private const string ReadVersionScript = """
        local version = redis.call('GET', KEYS[1])
        if not version then
            redis.call('SET', KEYS[1], ARGV[1], 'NX')
            version = redis.call('GET', KEYS[1])
        end
        return version
        """;

    private const string BumpVersionScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
            redis.call('SET', KEYS[1], ARGV[1])
        end
        return redis.call('INCR', KEYS[1])
        """;

    private readonly TimeSpan _ttl = options.Value.PermissionCacheTtl;

    /// <summary>The permissions of <paramref name="userId"/> in <paramref name="tenantId"/>; empty when they hold no role there.</summary>
    public async Task<IReadOnlySet<string>> GetPermissionsAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken = default)
    {
        string? cacheKey = null;
        try
        {
            var version = await ReadVersionAsync(tenantId, cancellationToken);
            cacheKey = CacheKey(version, tenantId, userId);
            if (await redis.GetStringAsync(cacheKey, cancellationToken) is { } cached)
            {
                // Per request: a plain set builds faster than a frozen one for a single lookup.
                return new HashSet<string>(JsonSerializer.Deserialize<string[]>(cached)!, StringComparer.Ordinal);
            }
        }
        catch (RedisException error)
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
            }
            catch (RedisException error)
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
        var version = (await redis.EvaluateAsync(BumpVersionScript, [VersionKey(tenantId)], [ClockSeed()], cancellationToken)).AsInt64();
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

    internal static string CacheKey(string version, Guid tenantId, Guid userId) => $"access:v{version}:{tenantId:N}:{userId:N}";

    private async Task<string> ReadVersionAsync(Guid tenantId, CancellationToken cancellationToken) =>
        (await redis.EvaluateAsync(ReadVersionScript, [VersionKey(tenantId)], [ClockSeed()], cancellationToken)).AsString()!;

    // 100 ns ticks: a re-created version lands past every version handed out before, short of ten million invalidations a second.
    private static string ClockSeed() => DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Permission cache unavailable for tenant {TenantId} user {UserId}; reading the database")]
    private static partial void LogCacheUnavailable(ILogger logger, Guid tenantId, Guid userId, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Permission cache of tenant {TenantId} invalidated (version {Version})")]
    private static partial void LogInvalidated(ILogger logger, Guid tenantId, long version);
}
