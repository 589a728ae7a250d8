using System.Net;
using System.Net.Http.Json;
using AppHost.Hosting;
using AppHost.Hosting.Resources;

namespace AppHost.Tests;

/// <summary>Boots the AppHost's own graph (AppHost/Program.cs) once, with real PostgreSQL, Redis and all four services.</summary>
[TestClass]
public sealed class WholeApplicationTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private static readonly StringWriter Output = new();
    private static AppHostArguments _args = null!;
    private static DistributedApplication? _app;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Boot(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _args = new AppHostArguments();
        _app = await DistributedApplicationTestingBuilder.BuildAsync(typeof(Projects.Api).Assembly, _args.ToArray());
        _app.Log = new ConsoleLog(TextWriter.Synchronized(Output), useColor: false);
        await _app.StartAsync(context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
        }
    }

    [TestMethod]
    public void Every_resource_is_running_and_the_migrations_completed()
    {
        foreach (var resource in _app!.Resources)
        {
            var expected = resource is MigrationsResource or OnnxRuntimeResource ? ResourceState.Completed : ResourceState.Running;
            Assert.AreEqual(expected, resource.State, $"{resource.Name} should be {expected}");
        }

        StringAssert.Contains(Output.ToString(), "all 9 resources ready in");
    }

    [TestMethod]
    public async Task The_api_reports_postgres_and_redis_healthy()
    {
        var health = await Http.GetFromJsonAsync<HealthBody>(new Uri(_args.Url("api"), "/health"), TestContext.CancellationToken);

        Assert.AreEqual("Healthy", health!.Status);
        CollectionAssert.IsSubsetOf(new[] { "postgres", "redis" }, health.Checks.Where(c => c.Status == "Healthy").Select(c => c.Name).ToArray());
    }

    [TestMethod]
    public async Task Workers_report_postgres_and_redis_healthy_and_every_service_is_alive()
    {
        var health = await Http.GetFromJsonAsync<HealthBody>(new Uri(_args.Url("workers"), "/health"), TestContext.CancellationToken);
        CollectionAssert.IsSubsetOf(new[] { "postgres", "redis" }, health!.Checks.Where(c => c.Status == "Healthy").Select(c => c.Name).ToArray());

        foreach (var service in new[] { "api", "workers", "aiinference", "web" })
        {
            using var response = await Http.GetAsync(new Uri(_args.Url(service), "/alive"), TestContext.CancellationToken);
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, $"{service} /alive");
        }
    }

    [TestMethod]
    public async Task The_web_front_end_shows_the_api_health_it_reached_through_service_discovery()
    {
        var page = await Http.GetStringAsync(_args.Url("web"), TestContext.CancellationToken);

        StringAssert.Contains(page, "Api: healthy");
        StringAssert.Contains(page, "data-check=\"postgres\"");
        StringAssert.Contains(page, "data-check=\"redis\"");
    }

    [TestMethod]
    public void Services_get_the_environment_Aspire_would_give_them()
    {
        var api = EnvironmentOf("api");
        StringAssert.StartsWith(api["ConnectionStrings__platformdb"], $"Host=127.0.0.1;Port={_args.Ports["postgres"]};Username=platformdb_app;");
        StringAssert.StartsWith(api["ConnectionStrings__redis"], $"127.0.0.1:{_args.Ports["redis"]},password=");
        Assert.AreEqual("platformdb_app", api["PLATFORMDB_USERNAME"]);
        Assert.AreEqual(_args.Ports["redis"].ToString(System.Globalization.CultureInfo.InvariantCulture), api["REDIS_PORT"]);
        Assert.AreEqual($"http://127.0.0.1:{_args.Ports["api"]}", api["ASPNETCORE_URLS"]);
        Assert.AreEqual("api", api["OTEL_SERVICE_NAME"]);
        StringAssert.StartsWith(api["OTEL_RESOURCE_ATTRIBUTES"], "service.instance.id=");
        Assert.AreEqual("Development", api["ASPNETCORE_ENVIRONMENT"]);

        var web = EnvironmentOf("web");
        Assert.AreEqual($"http://127.0.0.1:{_args.Ports["api"]}", web["services__api__http__0"]);
        Assert.AreEqual($"http://127.0.0.1:{_args.Ports["api"]}", web["API_HTTP"]);
        Assert.IsFalse(web.ContainsKey("ConnectionStrings__platformdb"), "a reference is given only to the resource that asks for it");
    }

    private static Dictionary<string, string> EnvironmentOf(string resource)
    {
        var pid = _app!.GetResource(resource).Process!.ProcessId;
        return File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty);
    }

    private sealed record HealthBody(string Status, List<HealthEntry> Checks);

    private sealed record HealthEntry(string Name, string Status);
}
