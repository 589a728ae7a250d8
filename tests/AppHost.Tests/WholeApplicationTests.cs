using System.Net;
using System.Net.Http.Json;
using AppHost.Hosting;
using AppHost.Hosting.Resources;

namespace AppHost.Tests;

/// <summary>Boots the AppHost's own graph (AppHost/Program.cs) with real PostgreSQL, Redis and all four services.</summary>
[TestClass]
public sealed class WholeApplicationTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Every_service_becomes_healthy_and_nothing_survives_the_stop()
    {
        var args = new AppHostArguments();
        var output = new StringWriter();
        var app = await DistributedApplicationTestingBuilder.BuildAsync(typeof(Projects.Api).Assembly, args.ToArray());
        app.Log = new ConsoleLog(TextWriter.Synchronized(output), useColor: false);
        IReadOnlyList<int> children;
        try
        {
            await app.StartAsync(TestContext.CancellationToken);
            children = app.ChildProcessIds;

            foreach (var resource in app.Resources)
            {
                var expected = resource is MigrationsResource ? ResourceState.Completed : ResourceState.Running;
                Assert.AreEqual(expected, resource.State, $"{resource.Name} should be {expected}");
            }

            var apiHealth = await Http.GetFromJsonAsync<HealthBody>(new Uri(args.Url("api"), "/health"), TestContext.CancellationToken);
            Assert.AreEqual("Healthy", apiHealth!.Status);
            CollectionAssert.IsSubsetOf(new[] { "postgres", "redis" }, apiHealth.Checks.Where(c => c.Status == "Healthy").Select(c => c.Name).ToArray(),
                "the Api reports PostgreSQL and Redis healthy");

            foreach (var service in new[] { "workers", "aiinference", "web" })
            {
                using var response = await Http.GetAsync(new Uri(args.Url(service), "/alive"), TestContext.CancellationToken);
                Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, $"{service} /alive");
            }

            // The web front end reaches the Api through service discovery (http://api).
            var page = await Http.GetStringAsync(args.Url("web"), TestContext.CancellationToken);
            StringAssert.Contains(page, "Api: healthy");
            StringAssert.Contains(page, "data-check=\"postgres\"");

            StringAssert.Contains(output.ToString(), "all 8 resources ready in");
        }
        finally
        {
            await app.StopAsync();
        }

        Assert.HasCount(6, children, "postgres, redis and four services run as children");
        Assert.IsTrue(await ProcessTable.WaitUntilGoneAsync(children, TimeSpan.FromSeconds(10)), "every child process has exited after the stop");
        Assert.IsEmpty(ProcessTable.WithCommandLineContaining(args.DataDirectory), "no process still uses the run's data folder");
    }

    private sealed record HealthBody(string Status, List<HealthEntry> Checks);

    private sealed record HealthEntry(string Name, string Status);
}
