namespace Platform.Caching;

/// <summary>Settings of <see cref="RedisDistributedCache"/>.</summary>
public sealed class RedisDistributedCacheOptions
{
    /// <summary>
    /// Put in front of every cache key (e.g. <c>"api:"</c> or a tenant id), so services, tenants and tests
    /// sharing one server cannot see each other's entries. Empty by default.
    /// </summary>
    public string KeyPrefix { get; set; } = string.Empty;
}
