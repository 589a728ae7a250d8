using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Access;
using Platform.Messaging;
using Platform.Tenancy;
using Platform.Workflows;

namespace Platform.Tests.Workflows;

/// <summary>Executions through the real runner, database and a loopback HTTP server standing in for the outside world.</summary>
[TestClass]
public sealed class WorkflowExecutionTests
{
    private static WorkflowDatabase _db = null!;
    private static SideEffectServer _server = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _db = await WorkflowDatabase.CreateAsync("workflow_runs");
        _server = await SideEffectServer.StartAsync();
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    [TestMethod]
    public async Task A_workflow_with_a_branch_and_a_delay_runs_end_to_end_and_each_step_once()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var member = await _db.CreateMemberAsync(tenant);
        var run = Guid.NewGuid().ToString("N");
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse($$$"""
            { "nodes": [
                { "id": "start", "type": "trigger.manual" },
                { "id": "fetch", "type": "http.request", "config": { "method": "POST", "url": "{{{_server.Url($"/e2e/{run}/fetch")}}}", "body": { "customer": "{{ trigger.data.name }}" } } },
                { "id": "total", "type": "set_variable", "config": { "name": "total", "value": "{{ steps.fetch.output.body.amount }}" } },
                { "id": "big", "type": "condition", "config": { "if": { "all": [ { "path": "vars.total", "op": "gt", "value": 100 } ] } } },
                { "id": "pause", "type": "delay", "config": { "seconds": 1 } },
                { "id": "tell", "type": "notify", "config": { "userId": "{{ trigger.data.userId }}", "title": "Big order from {{ trigger.data.name }}: {{ vars.total }}" } },
                { "id": "record", "type": "http.request", "config": { "method": "POST", "url": "{{{_server.Url($"/e2e/{run}/record")}}}", "body": { "total": "{{ vars.total }}", "notified": "{{ steps.tell.output.delivered }}" } } },
                { "id": "small", "type": "http.request", "config": { "url": "{{{_server.Url($"/e2e/{run}/small")}}}" } }
              ],
              "edges": [
                { "from": "start", "to": "fetch" }, { "from": "fetch", "to": "total" }, { "from": "total", "to": "big" },
                { "from": "big", "to": "pause", "port": "true" }, { "from": "big", "to": "small", "port": "false" },
                { "from": "pause", "to": "tell" }, { "from": "tell", "to": "record" }
              ] }
            """));

        var started = await _db.StartAsync(tenant, workflow, new JsonObject { ["name"] = "Ada", ["userId"] = member.ToString() });
        Assert.AreEqual(WorkflowExecutionStatus.Queued, started.Status);

        // Up to the delay: suspended with a due time, holding no lease.
        var waiting = await _db.RunUntilAsync(tenant, started.Id, e => e.Status != WorkflowExecutionStatus.Queued && e.Status != WorkflowExecutionStatus.Running);
        Assert.AreEqual(WorkflowExecutionStatus.Waiting, waiting.Status);
        CollectionAssert.AreEqual(new[] { "tell" }, waiting.Pending.ToArray());
        Assert.IsGreaterThan(DateTimeOffset.UtcNow.AddMilliseconds(-200), waiting.DueAt);
        Assert.AreEqual(0, _server.Count($"/e2e/{run}/record"));

        var done = await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Completed);
        var (_, steps) = await _db.GetAsync(tenant, done.Id);
        CollectionAssert.AreEqual(new[] { "fetch", "total", "big", "pause", "tell", "record" }, steps.Select(s => s.NodeId).ToArray());
        Assert.IsTrue(steps.All(s => s.Status == "completed" && s.Attempt == 1));
        Assert.AreEqual(1, _server.Count($"/e2e/{run}/fetch"));
        Assert.AreEqual(1, _server.Count($"/e2e/{run}/record"));
        Assert.AreEqual(0, _server.Count($"/e2e/{run}/small"), "the false branch did not run");
        Assert.AreEqual("""{"customer":"Ada"}""", _server.BodiesFor($"/e2e/{run}/fetch").Single());
        Assert.AreEqual("""{"total":150,"notified":true}""", _server.BodiesFor($"/e2e/{run}/record").Single());
        Assert.AreEqual($"{started.Id:N}:fetch", _server.KeysFor($"/e2e/{run}/fetch").Single(), "idempotency key = execution + node");
        Assert.AreEqual(150, done.Context["vars"]!["total"]!.GetValue<int>());
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND title = 'Big order from Ada: 150'", tenant, member));
        Assert.IsNotNull(done.FinishedAt);
    }

    [TestMethod]
    public async Task A_failing_step_is_retried_per_its_policy_then_the_execution_fails_and_retry_resumes_from_that_step()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var run = Guid.NewGuid().ToString("N");
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse($$$"""
            { "nodes": [
                { "id": "start", "type": "trigger.manual" },
                { "id": "first", "type": "http.request", "config": { "url": "{{{_server.Url($"/retry/{run}/first")}}}" } },
                { "id": "flaky", "type": "http.request", "config": { "url": "{{{_server.Url($"/fail/{run}")}}}" }, "retry": { "maxAttempts": 2, "initialIntervalSeconds": 0.05, "coefficient": 2 } },
                { "id": "last", "type": "http.request", "config": { "url": "{{{_server.Url($"/retry/{run}/last")}}}" } }
              ],
              "edges": [ { "from": "start", "to": "first" }, { "from": "first", "to": "flaky" }, { "from": "flaky", "to": "last" } ] }
            """));
        _server.Failing = true;
        var started = await _db.StartAsync(tenant, workflow);

        var failed = await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Failed);
        Assert.AreEqual("flaky", failed.FailedNode);
        StringAssert.Contains(failed.Error, "500");
        var (_, steps) = await _db.GetAsync(tenant, started.Id);
        CollectionAssert.AreEqual(new[] { "first:completed:1", "flaky:failed:1", "flaky:failed:2" }, steps.Select(s => $"{s.NodeId}:{s.Status}:{s.Attempt}").ToArray());
        Assert.AreEqual(2, _server.Count($"/fail/{run}"));

        _server.Failing = false;
        await using (var scope = _db.Request())
        {
            var retried = await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().RetryAsync(tenant, started.Id);
            Assert.AreEqual(WorkflowExecutionStatus.Queued, retried!.Status);
        }

        await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Completed);
        Assert.AreEqual(1, _server.Count($"/retry/{run}/first"), "the step completed before the failure did not run again");
        Assert.AreEqual(3, _server.Count($"/fail/{run}"));
        Assert.AreEqual(1, _server.Count($"/retry/{run}/last"));
        Assert.IsTrue(_server.KeysFor($"/fail/{run}").All(k => k == $"{started.Id:N}:flaky"), "every attempt carries the same idempotency key");

        await using var again = _db.Request();
        await Assert.ThrowsExactlyAsync<WorkflowStateException>(() => again.ServiceProvider.GetRequiredService<WorkflowExecutionService>().RetryAsync(tenant, started.Id));
    }

    [TestMethod]
    public async Task A_step_that_outlives_its_timeout_fails_that_attempt()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var run = Guid.NewGuid().ToString("N");
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse($$$"""
            { "nodes": [ { "id": "start", "type": "trigger.manual" },
                { "id": "slow", "type": "http.request", "config": { "url": "{{{_server.Url($"/slow/{run}")}}}" }, "timeoutSeconds": 1, "retry": { "maxAttempts": 1 } } ],
              "edges": [ { "from": "start", "to": "slow" } ] }
            """));
        var started = await _db.StartAsync(tenant, workflow);
        var failed = await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Failed);
        StringAssert.Contains(failed.Error, "Timed out after 1 s");
    }

    [TestMethod]
    public async Task Cancelling_stops_a_waiting_execution_and_a_running_one_at_its_step()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var run = Guid.NewGuid().ToString("N");
        var waits = await _db.PublishAsync(tenant, WorkflowGraph.Parse($$$"""
            { "nodes": [ { "id": "start", "type": "trigger.manual" }, { "id": "wait", "type": "delay", "config": { "seconds": 3600 } },
                { "id": "after", "type": "http.request", "config": { "url": "{{{_server.Url($"/cancel/{run}/after-wait")}}}" } } ],
              "edges": [ { "from": "start", "to": "wait" }, { "from": "wait", "to": "after" } ] }
            """));
        var slow = await _db.PublishAsync(tenant, WorkflowGraph.Parse($$$"""
            { "nodes": [ { "id": "start", "type": "trigger.manual" }, { "id": "slow", "type": "http.request", "config": { "url": "{{{_server.Url($"/slow/cancel-{run}")}}}" } },
                { "id": "after", "type": "http.request", "config": { "url": "{{{_server.Url($"/cancel/{run}/after-slow")}}}" } } ],
              "edges": [ { "from": "start", "to": "slow" }, { "from": "slow", "to": "after" } ] }
            """));

        var waiting = await _db.StartAsync(tenant, waits);
        await _db.RunUntilAsync(tenant, waiting.Id, e => e.Status == WorkflowExecutionStatus.Waiting);
        await using (var scope = _db.Request())
        {
            var cancelled = await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().CancelAsync(tenant, waiting.Id);
            Assert.AreEqual(WorkflowExecutionStatus.Cancelled, cancelled!.Status);
        }

        var running = await _db.StartAsync(tenant, slow);
        var arrived = new TaskCompletionSource();
        _server.Arrived += path =>
        {
            if (path == $"/slow/cancel-{run}")
            {
                arrived.TrySetResult();
            }
        };
        var runner = _db.Runner.RunDueAsync();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using (var scope = _db.Request())
        {
            await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().CancelAsync(tenant, running.Id);
        }

        await runner.WaitAsync(TimeSpan.FromSeconds(20));
        var (execution, steps) = await _db.GetAsync(tenant, running.Id);
        Assert.AreEqual(WorkflowExecutionStatus.Cancelled, execution.Status);
        Assert.AreEqual("cancelled", steps.Single().Status);
        Assert.AreEqual(0, _server.Count($"/cancel/{run}/after-slow"), "nothing runs after the cancelled step");
        Assert.AreEqual(0, _server.Count($"/cancel/{run}/after-wait"));
        await using var again = _db.Request();
        await Assert.ThrowsExactlyAsync<WorkflowStateException>(() => again.ServiceProvider.GetRequiredService<WorkflowExecutionService>().CancelAsync(tenant, running.Id));
    }

    [TestMethod]
    public async Task The_concurrency_limit_holds_per_organization_and_does_not_hold_back_others()
    {
        const int limit = 2;
        var settings = new Dictionary<string, string?> { ["MaxConcurrentExecutionsPerTenant"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var first = _db.AnotherWorker(settings);
        await using var second = _db.AnotherWorker(settings);
        var busy = await _db.CreateOrganizationAsync();
        var quiet = await _db.CreateOrganizationAsync();
        var run = Guid.NewGuid().ToString("N");
        var graph = WorkflowGraph.Parse($$$"""
            { "nodes": [ { "id": "start", "type": "trigger.manual" }, { "id": "work", "type": "http.request", "config": { "url": "{{{_server.Url($"/slow/limit-{run}")}}}" } } ],
              "edges": [ { "from": "start", "to": "work" } ] }
            """);
        _server.SlowFor = TimeSpan.FromMilliseconds(600);
        var busyFlow = await _db.PublishAsync(busy, graph);
        var quietFlow = await _db.PublishAsync(quiet, graph);
        var busyRuns = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            busyRuns.Add((await _db.StartAsync(busy, busyFlow)).Id);
        }

        var quietRun = (await _db.StartAsync(quiet, quietFlow)).Id;

        using var stop = new CancellationTokenSource();
        var workers = new[] { first, second }.Select(w => w.GetRequiredService<WorkflowRunner>().RunAsync((t, c) => Task.Delay(t, c), stop.Token)).ToArray();
        var most = 0L;
        var quietDoneWhileBusyQueued = false;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await _db.CountAsync("SELECT count(*) FROM workflow_executions WHERE tenant_id = ANY($1) AND status <> 'completed'", new[] { busy, quiet }) > 0)
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "executions did not finish");
            most = Math.Max(most, await _db.CountAsync("SELECT count(*) FROM workflow_executions WHERE tenant_id = $1 AND status = 'running'", busy));
            quietDoneWhileBusyQueued |= await _db.CountAsync("SELECT count(*) FROM workflow_executions WHERE id = $1 AND status = 'completed'", quietRun) == 1
                && await _db.CountAsync("SELECT count(*) FROM workflow_executions WHERE tenant_id = $1 AND status = 'queued'", busy) > 0;
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.AreEqual(limit, most, "never more than the limit running at once, and the limit used");
        Assert.IsTrue(quietDoneWhileBusyQueued, "the other organization's execution finished while the busy one still had executions queued");
        Assert.AreEqual(7, _server.Count($"/slow/limit-{run}"));
        _server.SlowFor = TimeSpan.FromSeconds(3);
    }

    [TestMethod]
    public async Task Another_organization_sees_nothing_of_a_workflow_and_cannot_act_on_it()
    {
        var owner = await _db.CreateOrganizationAsync();
        var other = await _db.CreateOrganizationAsync();
        var workflow = await _db.PublishAsync(owner, WorkflowGraph.Parse("""
            { "nodes": [ { "id": "start", "type": "trigger.manual" }, { "id": "wait", "type": "delay", "config": { "seconds": 3600 } } ], "edges": [ { "from": "start", "to": "wait" } ] }
            """));
        var execution = await _db.StartAsync(owner, workflow);

        await using var scope = _db.Request();
        var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
        var executions = scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>();
        Assert.IsNull(await definitions.GetAsync(other, workflow));
        Assert.IsEmpty(await definitions.ListAsync(other));
        Assert.IsNull(await definitions.ListVersionsAsync(other, workflow));
        Assert.IsNull(await definitions.PublishAsync(other, workflow));
        Assert.IsFalse(await definitions.DeleteAsync(other, workflow));
        Assert.IsNull(await executions.GetAsync(other, execution.Id));
        Assert.IsNull(await executions.CancelAsync(other, execution.Id));
        Assert.IsNull(await executions.StartManuallyAsync(other, workflow, null));
        Assert.IsNull(await executions.ListAsync(other, workflow, null, 10, null, null));

        // Row-level security itself, not just the services' WHERE clauses: keyed to the other organization, no rows at all.
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await TenantSession.ApplyAsync(connection, transaction, other, null, CancellationToken.None);
        foreach (var table in new[] { "workflow_definitions", "workflow_versions", "workflow_executions", "workflow_steps" })
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection, transaction);
            Assert.AreEqual(0L, await count.ExecuteScalarAsync(), table);
        }

        await using var insert = new NpgsqlCommand("UPDATE workflow_executions SET status = 'cancelled' WHERE id = $1", connection, transaction) { Parameters = { new() { Value = execution.Id } } };
        Assert.AreEqual(0, await insert.ExecuteNonQueryAsync());
        Assert.AreEqual(WorkflowExecutionStatus.Queued, (await _db.GetAsync(owner, execution.Id)).Execution.Status);
    }

    [TestMethod]
    public async Task An_integration_event_starts_the_subscribed_published_workflows_once()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var member = await _db.CreateMemberAsync(tenant);
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse("""
            { "nodes": [ { "id": "start", "type": "trigger.event", "config": { "eventType": "member.joined" } },
                { "id": "welcome", "type": "notify", "config": { "userId": "{{ trigger.data.userId }}", "title": "Welcome aboard" } } ],
              "edges": [ { "from": "start", "to": "welcome" } ] }
            """));
        var unrelated = await _db.PublishAsync(tenant, WorkflowGraph.Parse("""
            { "nodes": [ { "id": "start", "type": "trigger.event", "config": { "eventType": "member.removed" } } ], "edges": [] }
            """));
        var queue = new PostgresQueueTransport(_db.DataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresQueueTransport>.Instance);
        await using var _ = queue;
        var consumer = new MessageConsumer(WorkflowEventTriggers.Queue, WorkflowEventTriggers.Queue, queue, _db.DataSource,
            Microsoft.Extensions.Options.Options.Create(new MessagingOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<MessageConsumer>.Instance);
        var triggers = _db.Services.GetRequiredService<WorkflowEventTriggers>();
        var joined = IntegrationEvent.Create(EventTypes.MemberJoined, tenant, new { userId = member, roleId = SystemRoles.Viewer.Id });
        Assert.Contains(WorkflowEventTriggers.Queue, new MessagingOptions().QueuesFor(joined.Type).ToList(), "routed to the workflows queue by default");

        for (var delivery = 0; delivery < 2; delivery++)
        {
            // The same event twice (a relay that resent it): one execution.
            await queue.SendAsync(WorkflowEventTriggers.Queue, [new OutgoingMessage(joined.Id, tenant, joined.Type, joined.Payload)]);
            Assert.AreEqual(1, await consumer.ProcessOnceAsync(triggers.HandleAsync));
        }

        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM workflow_executions WHERE definition_id = $1", workflow));
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM workflow_executions WHERE definition_id = $1", unrelated));
        await using var scope = _db.Request();
        var execution = (await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().ListAsync(tenant, workflow, null, 10, null, null))!.Single();
        await _db.RunUntilAsync(tenant, execution.Id, e => e.Status == WorkflowExecutionStatus.Completed);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND title = 'Welcome aboard'", tenant, member));
    }

    [TestMethod]
    public async Task The_inbound_webhook_starts_a_workflow_only_with_its_token()
    {
        var tenant = await _db.CreateOrganizationAsync();
        await using var scope = _db.Request();
        var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
        var created = await definitions.CreateAsync(tenant, "Hooked", null, WorkflowGraph.Parse("""
            { "nodes": [ { "id": "hook", "type": "trigger.webhook" }, { "id": "keep", "type": "set_variable", "config": { "name": "order", "value": "{{ trigger.data.order }}" } } ],
              "edges": [ { "from": "hook", "to": "keep" } ] }
            """));
        var publication = await definitions.PublishAsync(tenant, created.Id);
        Assert.IsNotNull(publication!.HookToken);
        Assert.IsNull((await definitions.PublishAsync(tenant, created.Id))!.HookToken, "the token is issued once, not on every publication");

        var executions = scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>();
        Assert.IsNull(await executions.StartFromHookAsync(created.Id, "wfh_wrong", null));
        Assert.IsNull(await executions.StartFromHookAsync(created.Id, null, null));
        Assert.IsNull(await executions.StartFromHookAsync(Guid.NewGuid(), publication.HookToken, null));
        var started = await executions.StartFromHookAsync(created.Id, publication.HookToken, new JsonObject { ["order"] = 42 });
        Assert.AreEqual(2, started!.Version, "the newest published version");
        var done = await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Completed);
        Assert.AreEqual(42, done.Context["vars"]!["order"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Executions_pin_the_version_they_started_on()
    {
        var tenant = await _db.CreateOrganizationAsync();
        await using var scope = _db.Request();
        var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
        const string Template = """
            { "nodes": [ { "id": "start", "type": "trigger.manual" }, { "id": "wait", "type": "delay", "config": { "seconds": 0.3 } },
                { "id": "mark", "type": "set_variable", "config": { "name": "version", "value": VALUE } } ],
              "edges": [ { "from": "start", "to": "wait" }, { "from": "wait", "to": "mark" } ] }
            """;
        var created = await definitions.CreateAsync(tenant, "Pinned", null, WorkflowGraph.Parse(Template.Replace("VALUE", "1", StringComparison.Ordinal)));
        await definitions.PublishAsync(tenant, created.Id);
        var first = await _db.StartAsync(tenant, created.Id);
        await _db.RunUntilAsync(tenant, first.Id, e => e.Status == WorkflowExecutionStatus.Waiting);

        await definitions.SaveDraftAsync(tenant, created.Id, "Pinned", null, WorkflowGraph.Parse(Template.Replace("VALUE", "2", StringComparison.Ordinal)));
        await definitions.PublishAsync(tenant, created.Id);
        var second = await _db.StartAsync(tenant, created.Id);

        Assert.AreEqual(1, (await _db.RunUntilAsync(tenant, first.Id, e => e.Status == WorkflowExecutionStatus.Completed)).Context["vars"]!["version"]!.GetValue<int>());
        Assert.AreEqual(2, (await _db.RunUntilAsync(tenant, second.Id, e => e.Status == WorkflowExecutionStatus.Completed)).Context["vars"]!["version"]!.GetValue<int>());
        var versions = await definitions.ListVersionsAsync(tenant, created.Id);
        CollectionAssert.AreEqual(new[] { 2, 1 }, versions!.Select(v => v.Version).ToArray());
    }

    [TestMethod]
    public async Task A_record_changes_as_the_workflows_owner_and_only_with_the_owners_permissions()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var admin = await _db.CreateMemberAsync(tenant, SystemRoles.Admin.Id);
        var viewer = await _db.CreateMemberAsync(tenant, SystemRoles.Viewer.Id);
        var newcomer = await _db.CreateMemberAsync(tenant);
        var graph = WorkflowGraph.Parse($$$"""
            { "nodes": [ { "id": "start", "type": "trigger.manual" },
                { "id": "grant", "type": "record.assign_role", "config": { "userId": "{{ trigger.data.userId }}", "roleId": "{{{SystemRoles.Member.Id}}}" }, "retry": { "maxAttempts": 1 } } ],
              "edges": [ { "from": "start", "to": "grant" } ] }
            """);
        var byAdmin = await _db.PublishAsync(tenant, graph, owner: admin);
        var byViewer = await _db.PublishAsync(tenant, graph, owner: viewer);

        var refused = await _db.StartAsync(tenant, byViewer, new JsonObject { ["userId"] = newcomer.ToString() });
        var failed = await _db.RunUntilAsync(tenant, refused.Id, e => e.Status == WorkflowExecutionStatus.Failed);
        StringAssert.Contains(failed.Error, Permissions.Roles.Assign);
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM member_roles WHERE tenant_id = $1 AND user_id = $2", tenant, newcomer));

        var granted = await _db.StartAsync(tenant, byAdmin, new JsonObject { ["userId"] = newcomer.ToString() });
        await _db.RunUntilAsync(tenant, granted.Id, e => e.Status == WorkflowExecutionStatus.Completed);
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM member_roles WHERE tenant_id = $1 AND user_id = $2 AND role_id = $3 AND granted_by = $4", tenant, newcomer, SystemRoles.Member.Id, admin));
        Assert.AreEqual(1, await _db.CountAsync("SELECT count(*) FROM audit_logs WHERE tenant_id = $1 AND action = 'role.assigned' AND actor_id = $2", tenant, admin));
    }

    [TestMethod]
    public async Task An_execution_that_cannot_go_on_fails_instead_of_being_resumed_forever()
    {
        var tenant = await _db.CreateOrganizationAsync();
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse("""
            { "nodes": [ { "id": "start", "type": "trigger.manual" }, { "id": "keep", "type": "set_variable", "config": { "name": "x", "value": 1 } } ],
              "edges": [ { "from": "start", "to": "keep" } ] }
            """));
        var started = await _db.StartAsync(tenant, workflow);
        // Damage the stored version behind the platform's back: the pending node no longer exists.
        await _db.ExecuteAsync("""UPDATE workflow_versions SET graph = '{"nodes":[{"id":"start","type":"trigger.manual"}],"edges":[]}' WHERE definition_id = $1""", workflow);

        var failed = await _db.RunUntilAsync(tenant, started.Id, e => e.Status == WorkflowExecutionStatus.Failed);
        StringAssert.Contains(failed.Error, "'keep' is not in version 1");
        await _db.Runner.RunDueAsync();
        Assert.AreEqual(WorkflowExecutionStatus.Failed, (await _db.GetAsync(tenant, started.Id)).Execution.Status, "not claimed again");
    }

    [TestMethod]
    public async Task Saving_an_invalid_draft_is_refused_with_errors_per_node_and_changes_nothing()
    {
        var tenant = await _db.CreateOrganizationAsync();
        await using var scope = _db.Request();
        var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
        var invalid = await Assert.ThrowsExactlyAsync<WorkflowValidationException>(() => definitions.CreateAsync(tenant, "Broken", null, WorkflowGraph.Parse("""
            { "nodes": [ { "id": "start", "type": "trigger.manual" }, { "id": "wait", "type": "delay", "config": {} } ], "edges": [ { "from": "start", "to": "wait" } ] }
            """)));
        StringAssert.Contains(string.Join(" ", invalid.Errors["nodes.wait"]), "seconds");
        Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM workflow_definitions WHERE tenant_id = $1", tenant));
        await Assert.ThrowsExactlyAsync<WorkflowStateException>(async () =>
        {
            var draft = await definitions.CreateAsync(tenant, "Unpublished", null, WorkflowGraph.Parse("""{ "nodes": [ { "id": "start", "type": "trigger.manual" } ], "edges": [] }"""));
            await scope.ServiceProvider.GetRequiredService<WorkflowExecutionService>().StartManuallyAsync(tenant, draft.Id, null);
        });
    }
}
