using System.Net;
using System.Net.Sockets;
using AppHost.Hosting;
using AppHost.Hosting.Provisioning;
using AppHost.Hosting.Resources;
using TestKit;

namespace AppHost.Tests;

/// <summary>What an operator sees when something is wrong: a clear message, not a stack trace.</summary>
[TestClass]
public sealed class FailureReportingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_port_in_use_is_named_with_the_process_holding_it()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var args = new AppHostArguments();
        args.Ports["redis"] = port;
        var app = await DistributedApplicationTestingBuilder.BuildAsync(typeof(Projects.Api).Assembly, args.ToArray());
        app.Log = new ConsoleLog(TextWriter.Null, useColor: false);

        var error = await Assert.ThrowsExactlyAsync<ResourceFailedException>(() => app.StartAsync(TestContext.CancellationToken));

        Assert.AreEqual("redis", error.ResourceName);
        StringAssert.Contains(error.Reason, $"Port {port} for 'redis' is already in use by process {Environment.ProcessId}");
        StringAssert.Contains(error.Reason, "--Ports:redis=");
        Assert.IsEmpty(app.ChildProcessIds.Where(ProcessTable.IsAlive), "whatever had started was stopped");
    }

    [TestMethod]
    public async Task A_data_folder_from_another_postgres_version_says_so()
    {
        var args = new AppHostArguments();
        Directory.CreateDirectory(Path.Combine(args.DataDirectory, "postgres"));
        await File.WriteAllTextAsync(Path.Combine(args.DataDirectory, "postgres", "PG_VERSION"), "11\n", TestContext.CancellationToken);
        var app = await DistributedApplicationTestingBuilder.BuildAsync(typeof(Projects.Api).Assembly, args.ToArray());
        app.Log = new ConsoleLog(TextWriter.Null, useColor: false);

        var error = await Assert.ThrowsExactlyAsync<ResourceFailedException>(() => app.StartAsync(TestContext.CancellationToken));

        StringAssert.Contains(error.Reason, "was created by PostgreSQL 11, but this machine has PostgreSQL");
    }

    [TestMethod]
    public async Task A_service_that_exits_early_is_reported_with_its_last_output_and_the_rest_is_stopped()
    {
        // The Api without its database reference cannot start: it must say which setting is missing.
        var args = new AppHostArguments();
        var builder = DistributedApplication.CreateBuilder(args.ToArray());
        var redis = builder.AddRedis("redis", port: args.Ports["redis"]);
        builder.AddProject<Projects.Api>("api", port: args.Ports["api"]).WithReference(redis).WaitFor(redis);
        var app = builder.Build();
        var output = new StringWriter();
        app.Log = new ConsoleLog(TextWriter.Synchronized(output), useColor: false);

        var exitCode = await app.RunAsync(TestContext.CancellationToken);

        Assert.AreEqual(1, exitCode);
        var printed = output.ToString();
        StringAssert.Contains(printed, "FAILED api: exited with code");
        StringAssert.Contains(printed, "Missing connection string 'platformdb'");
        Assert.AreEqual(ResourceState.Stopped, app.GetResource("redis").State, "redis was stopped after the failure");
        Assert.IsEmpty(app.ChildProcessIds.Where(ProcessTable.IsAlive));
    }
}
