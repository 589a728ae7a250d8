using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using AppHost.Hosting.Provisioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Access;
using Platform.Audit;
using Platform.Caching;
using Platform.Data;
using Platform.Notifications;
using Platform.Workflows;
using TestKit;

namespace AppHost.Tests;

/// <summary>
/// The built Workers app, run as real processes against the test PostgreSQL and Redis: one is killed (SIGKILL) while a
/// step of a workflow is in flight, a second one finishes the execution, and no step that had completed runs again.
/// </summary>
[TestClass]
public sealed class WorkflowFailoverTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_Worker_killed_mid_step_is_replaced_by_another_that_finishes_without_repeating_completed_steps()
    {
        var database = await TestEnvironment.CreateDatabaseAsync("workflow_failover");
        await SchemaUpdater.UpdateAsync(database.OwnerConnectionString);
        var redis = await TestEnvironment.RedisAsync();
        await using var outside = await CountingServer.StartAsync(slowFor: TimeSpan.FromSeconds(2));
        await using var services = Services(database.AppConnectionString, redis.ConnectionString);

        var tenant = Guid.NewGuid();
        await using (var owner = new NpgsqlConnection(database.OwnerConnectionString))
        {
            await owner.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO organizations (id, slug, name) VALUES ($1, $2, 'Failover')", owner)
            {
                Parameters = { new() { Value = tenant }, new() { Value = $"org-{tenant:N}"[..30] } },
            };
            await insert.ExecuteNonQueryAsync();
        }

        Guid executionId;
        await using (var scope = services.CreateAsyncScope())
        {
            var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
            var workflow = await definitions.CreateAsync(tenant, "Three calls", null, WorkflowGraph.Parse($$"""
                { "nodes": [ { "id": "start", "type": "trigger.manual" },
                    { "id": "a", "type": "http.request", "config": { "method": "POST", "url": "{{outside.Url("/a")}}" } },
                    { "id": "b", "type": "http.request", "config": { "method": "POST", "url": "{{outside.Url("/slow/b")}}" } },
                    { "id": "c", "type": "http.request", "config": { "method": "POST", "url": "{{outside.Url("/c")}}" } } ],
                  "edges": [ { "from": "start", "to": "a" }, { "from": "a", "to": "b" }, { "from": "b", "to": "c" } ] }
                """));
            await definitions.PublishAsync(tenant, workflow.Id);
            executionId = (await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().StartManuallyAsync(tenant, workflow.Id, null))!.Id;
        }

        var bInFlight = outside.WhenArrived("/slow/b");
        using var first = WorkersProcess.Start(database.AppConnectionString, redis.ConnectionString);
        try
        {
            await bInFlight.WaitAsync(TimeSpan.FromSeconds(40), TestContext.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail("the first Workers process never reached step b:\n" + first.Output);
        }

        first.Kill();
        Assert.AreEqual("running", await ScalarAsync(database, "SELECT status FROM workflow_executions WHERE id = $1", executionId));
        Assert.AreEqual("a:completed,b:running", await ScalarAsync(database,
            "SELECT string_agg(node_id || ':' || status, ',' ORDER BY id) FROM workflow_steps WHERE execution_id = $1", executionId));

        using var second = WorkersProcess.Start(database.AppConnectionString, redis.ConnectionString);
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (await ScalarAsync(database, "SELECT status FROM workflow_executions WHERE id = $1", executionId) is not "completed")
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "the second Workers process did not finish the execution:\n" + second.Output);
            await Task.Delay(200, TestContext.CancellationToken);
        }

        second.Kill();
        Assert.AreEqual(1, outside.Count("/a"), "step a had completed before the kill and did not run again");
        Assert.AreEqual(1, outside.Count("/c"));
        Assert.AreEqual(2, outside.Count("/slow/b"), "the step in flight at the kill ran again (at least once)...");
        Assert.AreEqual(1, outside.Keys("/slow/b").Distinct().Count(), "...with the same idempotency key both times");
        Assert.AreEqual($"{executionId:N}:b", outside.Keys("/slow/b")[0]);
        Assert.AreEqual("a:completed:1,b:abandoned:1,b:completed:2,c:completed:1", await ScalarAsync(database,
            "SELECT string_agg(node_id || ':' || status || ':' || attempt, ',' ORDER BY id) FROM workflow_steps WHERE execution_id = $1", executionId));
    }

    private static ServiceProvider Services(string connectionString, string redisConnectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPlatformDatabase(connectionString);
        services.AddRedisClient(redisConnectionString);
        services.AddAudit();
        services.AddOptions<AccessControlOptions>();
        services.AddSingleton<PermissionEvaluator>();
        services.AddScoped<RoleService>();
        services.AddNotifications();
        services.AddWorkflows(new ConfigurationBuilder().Build());
        return services.BuildServiceProvider();
    }

    private static async Task<object?> ScalarAsync(TestDatabase database, string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id } } };
        return await command.ExecuteScalarAsync();
    }

    /// <summary>The built Workers app as the AppHost runs it: <c>dotnet Workers.dll</c> with <c>ConnectionStrings__*</c>.</summary>
    private sealed class WorkersProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();

        private WorkersProcess(Process process) => _process = process;

        public string Output => string.Join('\n', _output.TakeLast(40));

        public static WorkersProcess Start(string connectionString, string redisConnectionString)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(new Projects.Workers().TargetPath);
            info.Environment["ConnectionStrings__platformdb"] = connectionString;
            info.Environment["ConnectionStrings__redis"] = redisConnectionString;
            info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{PortGuard.GetFreePort()}";
            info.Environment["DOTNET_ENVIRONMENT"] = "Development";
            // A short lease so the survivor takes over within seconds of the kill.
            info.Environment["Workflows__Lease"] = "00:00:03";
            info.Environment["Workflows__PollInterval"] = "00:00:00.250";
            var workers = new WorkersProcess(Process.Start(info)!);
            workers._process.OutputDataReceived += (_, e) => workers.Record(e.Data);
            workers._process.ErrorDataReceived += (_, e) => workers.Record(e.Data);
            workers._process.BeginOutputReadLine();
            workers._process.BeginErrorReadLine();
            return workers;
        }

        /// <summary>SIGKILL: no shutdown hooks, no lease handed back.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private void Record(string? line)
        {
            if (line is not null)
            {
                _output.Enqueue(line);
            }
        }
    }

    /// <summary>A real HTTP server on loopback counting the side effects the workflow causes, per path, with their idempotency keys.</summary>
    private sealed class CountingServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, string? Key)> _requests = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _arrivals = new();
        private Uri _endpoint = null!;

        private CountingServer(WebApplication app) => _app = app;

        public static async Task<CountingServer> StartAsync(TimeSpan slowFor)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var server = new CountingServer(app);
            app.Run(async context =>
            {
                var path = context.Request.Path.Value ?? "/";
                server._requests.Enqueue((path, context.Request.Headers["Idempotency-Key"].FirstOrDefault()));
                server._arrivals.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                if (path.StartsWith("/slow/", StringComparison.Ordinal))
                {
                    await Task.Delay(slowFor, context.RequestAborted);
                }

                await context.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = true });
            });
            await app.StartAsync();
            server._endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
            return server;
        }

        public string Url(string path) => new Uri(_endpoint, path).ToString();

        public Task WhenArrived(string path) => _arrivals.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public int Count(string path) => _requests.Count(r => r.Path == path);

        public List<string?> Keys(string path) => _requests.Where(r => r.Path == path).Select(r => r.Key).ToList();

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
