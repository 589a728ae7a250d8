using AppHost.Hosting;

namespace AppHost.Tests;

[TestClass]
public sealed class StopTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Stopping_the_application_leaves_no_child_process()
    {
        var args = new AppHostArguments();
        var app = await DistributedApplicationTestingBuilder.BuildAsync(typeof(Projects.Api).Assembly, args.ToArray());
        app.Log = new ConsoleLog(TextWriter.Null, useColor: false);
        await app.StartAsync(TestContext.CancellationToken);
        var children = app.ChildProcessIds;

        await app.StopAsync();

        Assert.HasCount(6, children, "postgres, redis and four services run as children");
        Assert.IsTrue(await ProcessTable.WaitUntilGoneAsync(children, TimeSpan.FromSeconds(10)), "every child process has exited after the stop");
        Assert.IsEmpty(ProcessTable.WithCommandLineContaining(args.DataDirectory), "no process still uses the run's data folder");
    }
}
