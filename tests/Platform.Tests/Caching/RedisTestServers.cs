using AppHost.Hosting.Provisioning;
using Platform.Caching;
using TestKit;

namespace Platform.Tests.Caching;

/// <summary>Clients on the assembly's shared Redis, and private servers for tests that stop them.</summary>
internal static class RedisTestServers
{
    public static async Task<RedisClient> SharedClientAsync(Action<RedisConnectionOptions>? configure = null)
    {
        var server = await TestEnvironment.RedisAsync();
        var options = RedisConnectionOptions.Parse(server.ConnectionString);
        options.CommandTimeout = TimeSpan.FromSeconds(5);
        configure?.Invoke(options);
        return await RedisClient.ConnectAsync(options);
    }

    /// <summary>A server of the test's own on a free port, so it can be stopped and restarted.</summary>
    public static Task<RedisServer> StartPrivateAsync(string name, int? port = null, string? dataDirectory = null, string? password = null, IReadOnlyList<string>? extraConfiguration = null) =>
        RedisServer.StartAsync(
            new RedisServerOptions(
                name,
                dataDirectory ?? Path.Combine(TestEnvironment.Root, $"{name}-{Guid.NewGuid():N}"),
                port ?? PortGuard.GetFreePort(),
                password ?? TestEnvironment.NewSecret(),
                extraConfiguration),
            (_, _) => { });
}
