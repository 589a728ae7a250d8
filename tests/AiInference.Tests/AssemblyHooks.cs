using TestKit;

[assembly: Parallelize(Scope = ExecutionScope.ClassLevel)]

namespace AiInference.Tests;

[TestClass]
public static class AssemblyHooks
{
    [AssemblyCleanup]
    public static Task StopServers() => TestEnvironment.DisposeAsync();
}
