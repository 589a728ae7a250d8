using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Platform.Workflows;

namespace Platform.Tests.Workflows;

/// <summary>
/// The SSRF guard of <c>http.request</c> steps, through the real runner and HTTP client: Workers whose allow-list does
/// not name loopback, and a loopback server that counts what reaches it.
/// </summary>
[TestClass]
public sealed class WorkflowOutboundTests
{
    private static WorkflowDatabase _db = null!;
    private static SideEffectServer _server = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        // An allow-list that permits something else (a documentation address), not loopback.
        _db = await WorkflowDatabase.CreateAsync("workflow_outbound", new() { ["AllowedTargets:0"] = "192.0.2.10" });
        _server = await SideEffectServer.StartAsync();
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [TestMethod]
    [DataRow("http://169.254.169.254/latest/meta-data/", DisplayName = "cloud metadata")]
    [DataRow("http://[::1]:9/", DisplayName = "IPv6 loopback")]
    [DataRow("http://10.0.0.1/", DisplayName = "private network")]
    public async Task A_step_aimed_at_an_internal_address_fails_with_the_rule_it_broke(string url)
    {
        var tenant = await _db.CreateOrganizationAsync();
        var failed = await RunAsync(tenant, url);
        Assert.AreEqual("call", failed.FailedNode);
        StringAssert.Contains(failed.Error, WorkflowTargetPolicy.RefusedMessage);
        StringAssert.StartsWith(failed.Error, "OutboundTargetRefusedException");
    }

    [TestMethod]
    public async Task A_loopback_server_not_on_the_allow_list_is_never_connected_to()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var run = Guid.NewGuid().ToString("N");
        var failed = await RunAsync(tenant, _server.Url($"/ssrf/{run}"));
        StringAssert.Contains(failed.Error, WorkflowTargetPolicy.RefusedMessage);
        Assert.AreEqual(0, _server.Count($"/ssrf/{run}"), "no request reached the server");
    }

    [TestMethod]
    public async Task An_allow_listed_loopback_target_is_reached_and_its_redirect_is_not_followed()
    {
        // Workers whose operator allowed 127.0.0.1 (the default of the test harness, as in Development).
        await using var allowed = _db.AnotherWorker(new() { ["AllowedTargets:0"] = "127.0.0.1" });
        var tenant = await _db.CreateOrganizationAsync();
        var run = Guid.NewGuid().ToString("N");
        var completed = await RunAsync(tenant, _server.Url($"/ok/{run}"), allowed.GetRequiredService<WorkflowRunner>(), WorkflowExecutionStatus.Completed);
        Assert.AreEqual(200, completed.Context["steps"]!["call"]!["output"]!["status"]!.GetValue<int>());
        Assert.AreEqual(1, _server.Count($"/ok/{run}"));

        var redirected = await RunAsync(tenant, _server.Url($"/redirect/{run}"), allowed.GetRequiredService<WorkflowRunner>());
        StringAssert.Contains(redirected.Error, "answered 302");
        Assert.AreEqual(1, _server.Count($"/redirect/{run}"));
        Assert.AreEqual(0, _server.Count($"/landing/{run}"), "the redirect was not followed");
    }

    [TestMethod]
    public async Task The_workflows_client_skips_the_handlers_every_other_client_gets()
    {
        // As ServiceDefaults adds service discovery and resilience to every client: here a handler that answers 418.
        var services = new ServiceCollection();
        services.AddLogging();
        services.ConfigureHttpClientDefaults(client => client.AddHttpMessageHandler(() => new TeapotHandler()));
        services.AddWorkflows(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AllowedTargets:0"] = "127.0.0.1" }).Build());
        await using var provider = services.BuildServiceProvider();
        var clients = provider.GetRequiredService<IHttpClientFactory>();

        Assert.AreEqual(System.Net.HttpStatusCode.OK, (await clients.CreateClient(Platform.Workflows.Actions.HttpRequestAction.ClientName).GetAsync(_server.Url("/plain"))).StatusCode);
        Assert.AreEqual((System.Net.HttpStatusCode)418, (await clients.CreateClient("other").GetAsync(_server.Url("/plain"))).StatusCode, "the defaults apply elsewhere");
    }

    private sealed class TeapotHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage((System.Net.HttpStatusCode)418));
    }

    private static async Task<WorkflowExecution> RunAsync(Guid tenant, string url, WorkflowRunner? runner = null, string until = WorkflowExecutionStatus.Failed)
    {
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse($$"""
            { "nodes": [ { "id": "start", "type": "trigger.manual" },
                { "id": "call", "type": "http.request", "config": { "url": "{{url}}" }, "retry": { "maxAttempts": 1 }, "timeoutSeconds": 10 } ],
              "edges": [ { "from": "start", "to": "call" } ] }
            """));
        var started = await _db.StartAsync(tenant, workflow);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await (runner ?? _db.Runner).RunDueAsync();
            var (execution, _) = await _db.GetAsync(tenant, started.Id);
            if (execution.Status == until)
            {
                return execution;
            }

            Assert.IsLessThan(deadline, DateTime.UtcNow, $"execution stayed {execution.Status} ({execution.Error})");
            await Task.Delay(50);
        }
    }
}
