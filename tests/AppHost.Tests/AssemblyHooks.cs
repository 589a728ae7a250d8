using TestKit;

// Whole-application tests bind fixed sets of ports and start many processes: one class at a time.
[assembly: DoNotParallelize]

namespace AppHost.Tests;

[TestClass]
public static class AssemblyHooks
{
    [AssemblyCleanup]
    public static Task StopServers() => TestEnvironment.DisposeAsync();
}
