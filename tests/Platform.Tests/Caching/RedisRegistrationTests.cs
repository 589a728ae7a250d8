using AppHost.Hosting.Provisioning;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Platform.Caching;
using TestKit;

namespace Platform.Tests.Caching;

[TestClass]
public sealed class RedisRegistrationTests
{
    private static readonly string Prefix = $"registration:{Guid.NewGuid():N}:";

    [TestMethod]
    public async Task AddRedisClient_reads_the_aspire_connection_string_and_registers_cache_and_health_check()
    {
        var server = await TestEnvironment.RedisAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:redis", server.ConnectionString)]);
        builder.AddRedisClient(configureCache: cache => cache.KeyPrefix = Prefix);
        using var host = builder.Build();

        var cache = host.Services.GetRequiredService<IDistributedCache>();
        await cache.SetStringAsync("through-di", "works");
        var client = host.Services.GetRequiredService<RedisClient>();
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.AreEqual("works", await cache.GetStringAsync("through-di"));
        Assert.IsNotNull(await client.GetAsync(Prefix + "through-di"), "the cache writes under its key prefix");
        Assert.AreEqual(HealthStatus.Healthy, health.Entries["redis"].Status);
    }

    [TestMethod]
    public void AddRedisClient_without_a_connection_string_names_the_missing_setting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => builder.AddRedisClient("cache"));

        StringAssert.Contains(error.Message, "ConnectionStrings:cache");
    }

    [TestMethod]
    public async Task Health_check_is_unhealthy_when_redis_cannot_be_reached()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddRedisClient($"127.0.0.1:{PortGuard.GetFreePort()},connectTimeout=300,syncTimeout=500");
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.AreEqual(HealthStatus.Unhealthy, report.Entries["redis"].Status);
        StringAssert.Contains(report.Entries["redis"].Description, "did not answer PING");
    }
}
