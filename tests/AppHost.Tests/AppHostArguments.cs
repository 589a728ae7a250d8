using AppHost.Hosting.Provisioning;
using TestKit;

namespace AppHost.Tests;

/// <summary>Command-line arguments that give an AppHost run its own free ports and data folder.</summary>
internal sealed class AppHostArguments
{
    private static readonly string[] ResourceNames = ["postgres", "redis", "api", "workers", "aiinference", "web"];

    public AppHostArguments()
    {
        DataDirectory = Path.Combine(TestEnvironment.Root, $"apphost-{Guid.NewGuid():N}"[..20]);
        Ports = ResourceNames.ToDictionary(name => name, _ => PortGuard.GetFreePort());
    }

    public string DataDirectory { get; }

    public Dictionary<string, int> Ports { get; }

    public Uri Url(string service) => new($"http://127.0.0.1:{Ports[service]}");

    public string[] ToArray(params string[] extra) =>
        [.. Ports.Select(p => $"--Ports:{p.Key}={p.Value}"), $"--AppHost:DataDirectory={DataDirectory}", .. extra];
}
