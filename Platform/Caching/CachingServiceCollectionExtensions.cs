using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Hosting;

namespace Platform.Caching;

/// <summary>Registers the Redis client, the Redis-backed <see cref="IDistributedCache"/> and the "redis" health check.</summary>
public static class CachingServiceCollectionExtensions
{
    /// <summary>
    /// Reads the Aspire connection string <c>ConnectionStrings:{connectionName}</c> (as set by an AppHost's
    /// <c>WithReference(redis)</c>) and calls <see cref="AddRedisClient(IServiceCollection, string, Action{RedisConnectionOptions}?, Action{RedisDistributedCacheOptions}?, string)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection string is missing.</exception>
    public static IHostApplicationBuilder AddRedisClient(
        this IHostApplicationBuilder builder,
        string connectionName = "redis",
        Action<RedisConnectionOptions>? configureConnection = null,
        Action<RedisDistributedCacheOptions>? configureCache = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        var connectionString = builder.Configuration.GetRequiredConnectionString(connectionName);

        builder.Services.AddRedisClient(connectionString, configureConnection, configureCache, healthCheckName: connectionName);
        return builder;
    }

    /// <summary>
    /// Registers <see cref="RedisClient"/> (singleton, connecting on first use), <see cref="SharedVersions"/>, <see cref="IDistributedCache"/>
    /// as <see cref="RedisDistributedCache"/>, and a health check named <paramref name="healthCheckName"/> tagged "ready".
    /// </summary>
    public static IServiceCollection AddRedisClient(
        this IServiceCollection services,
        string connectionString,
        Action<RedisConnectionOptions>? configureConnection = null,
        Action<RedisDistributedCacheOptions>? configureCache = null,
        string healthCheckName = "redis")
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = RedisConnectionOptions.Parse(connectionString);
        configureConnection?.Invoke(options);

        var cacheOptions = services.AddOptions<RedisDistributedCacheOptions>();
        if (configureCache is not null)
        {
            cacheOptions.Configure(configureCache);
        }

        services.AddSingleton(provider => new RedisClient(options, provider.GetService<ILogger<RedisClient>>()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SharedVersions>();
        services.AddSingleton<IDistributedCache>(provider => new RedisDistributedCache(
            provider.GetRequiredService<RedisClient>(),
            provider.GetRequiredService<IOptions<RedisDistributedCacheOptions>>(),
            provider.GetService<TimeProvider>()));
        services.AddHealthChecks().AddCheck<RedisHealthCheck>(healthCheckName, tags: ["ready"]);
        return services;
    }
}
