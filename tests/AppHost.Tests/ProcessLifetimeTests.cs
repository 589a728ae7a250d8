using System.Diagnostics;
using AppHost.Hosting;

namespace AppHost.Tests;

/// <summary>Runs the AppHost as its own process, as a developer does, and kills it.</summary>
[TestClass]
public sealed class ProcessLifetimeTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Killing_the_AppHost_leaves_no_child_running()
    {
        var args = new AppHostArguments();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(typeof(DistributedApplication).Assembly.Location);
        foreach (var arg in args.ToArray())
        {
            info.ArgumentList.Add(arg);
        }

        using var appHost = Process.Start(info)!;
        var ready = new TaskCompletionSource();
        var lines = new List<string>();
        appHost.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data.Contains("resources ready in", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        appHost.BeginOutputReadLine();
        appHost.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(120), TestContext.CancellationToken);
        }
        catch (TimeoutException)
        {
            appHost.Kill(entireProcessTree: true);
            Assert.Fail("the AppHost did not become ready:\n" + string.Join('\n', lines.TakeLast(30)));
        }

        var children = ProcessTable.WithCommandLineContaining(args.DataDirectory)
            .Concat(args.Ports.Values.SelectMany(port => ProcessTable.WithCommandLineContaining($"127.0.0.1:{port}")))
            .Select(p => p.Pid).Distinct().ToList();
        Assert.IsGreaterThanOrEqualTo(2, children.Count, "postgres and redis were found by their data folder and ports");

        appHost.Kill(entireProcessTree: false); // SIGKILL: the AppHost gets no chance to clean up.
        await appHost.WaitForExitAsync(TestContext.CancellationToken);

        Assert.IsTrue(await ProcessTable.WaitUntilGoneAsync(children, TimeSpan.FromSeconds(15)),
            "children exit when the AppHost dies: " + string.Join(", ", children.Where(ProcessTable.IsAlive)));
        var serviceProcesses = new[] { "Api.dll", "Web.dll", "Workers.dll", "AiInference.dll" }
            .SelectMany(ProcessTable.WithCommandLineContaining)
            .Where(p => args.Ports.Values.Any(port => File.Exists($"/proc/{p.Pid}/environ") &&
                File.ReadAllText($"/proc/{p.Pid}/environ").Contains($"ASPNETCORE_URLS=http://127.0.0.1:{port}", StringComparison.Ordinal)))
            .Select(p => p.Pid)
            .ToList();
        // Services are told to stop and shut down gracefully (the Workers finish their scheduler and in-flight steps), so
        // they may outlive the stores by a few seconds; none may stay.
        Assert.IsTrue(await ProcessTable.WaitUntilGoneAsync(serviceProcesses, TimeSpan.FromSeconds(30)),
            "no service of this run is left: " + string.Join(", ", serviceProcesses.Where(ProcessTable.IsAlive)));
    }
}
