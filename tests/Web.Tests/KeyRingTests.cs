using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Platform.Caching;
using TestKit;
using Web.Session;

namespace Web.Tests;

/// <summary>The front end's data-protection keys live in Redis, so every replica (and the next start) reads what another protected.</summary>
[TestClass]
public sealed class KeyRingTests
{
    [TestMethod]
    public async Task What_one_replica_protects_another_replica_with_the_same_redis_unprotects()
    {
        var redis = await TestEnvironment.RedisAsync();
        await using var first = new RedisClient(RedisConnectionOptions.Parse(redis.ConnectionString));
        await using var second = new RedisClient(RedisConnectionOptions.Parse(redis.ConnectionString));
        using var replicaA = Replica(first);
        using var replicaB = Replica(second);

        var sealedByA = replicaA.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Protect("web session 42");
        var openedByB = replicaB.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Unprotect(sealedByA);

        Assert.AreEqual("web session 42", openedByB);
        Assert.HasCount(1, new RedisKeyRing(first).GetAllElements(), "one key, created by the first replica, read by the second");
    }

    private static ServiceProvider Replica(RedisClient redis)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("business-platform-web");
        services.Configure<KeyManagementOptions>(options => options.XmlRepository = new RedisKeyRing(redis));
        return services.BuildServiceProvider();
    }
}
