using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Workflows;

namespace Platform.Tests.Workflows;

/// <summary>Cron triggers on Quartz's clustered store: two scheduler nodes on one database, each due time fires once.</summary>
[TestClass]
public sealed class WorkflowScheduleTests
{
    private static WorkflowDatabase _db = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _db = await WorkflowDatabase.CreateAsync("workflow_cron");

    [ClassCleanup]
    public static async Task Stop() => await _db.DisposeAsync();

    [TestMethod]
    public async Task A_cron_workflow_fires_once_per_due_time_with_two_schedulers_and_stops_when_unpublished()
    {
        var tenant = await _db.CreateOrganizationAsync();
        // Every second: many due times in a short test, each of which both nodes would fire without the cluster lock.
        var workflow = await _db.PublishAsync(tenant, WorkflowGraph.Parse("""
            { "nodes": [ { "id": "tick", "type": "trigger.cron", "config": { "cron": "* * * * * ?" } },
                { "id": "note", "type": "set_variable", "config": { "name": "at", "value": "{{ trigger.data.scheduledAt }}" } } ],
              "edges": [ { "from": "tick", "to": "note" } ] }
            """));
        var options = new WorkflowOptions { SchedulerCheckinInterval = TimeSpan.FromSeconds(1) };
        var first = await WorkflowScheduler.StartAsync(_db.Database.AppConnectionString, _db.DataSource, options, NullLoggerFactory.Instance, "node-a");
        var second = await WorkflowScheduler.StartAsync(_db.Database.AppConnectionString, _db.DataSource, options, NullLoggerFactory.Instance, "node-b");
        long stoppedAt;
        try
        {
            // Both replicas align at once, as after a publication; then again with nothing changed.
            await Task.WhenAll(first.SyncAsync(), second.SyncAsync());
            await second.SyncAsync();
            await Task.Delay(TimeSpan.FromSeconds(6));

            // Publishing a version with another trigger removes the schedule at the next alignment.
            await using (var scope = _db.Request())
            {
                var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
                await definitions.SaveDraftAsync(tenant, workflow, "Manual now", null, WorkflowGraph.Parse("""{ "nodes": [ { "id": "start", "type": "trigger.manual" } ], "edges": [] }"""));
                await definitions.PublishAsync(tenant, workflow);
            }

            await first.SyncAsync();
            await Task.Delay(TimeSpan.FromSeconds(1)); // a fire already under way finishes
            stoppedAt = first.Counters.FireCount + second.Counters.FireCount;
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.AreEqual(stoppedAt, first.Counters.FireCount + second.Counters.FireCount, "no fires once the schedule is gone");
            Assert.AreEqual(0, await _db.CountAsync("SELECT count(*) FROM qrtz_triggers"));
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }

        var executions = await _db.CountAsync("SELECT count(*) FROM workflow_executions WHERE definition_id = $1", workflow);
        Assert.IsGreaterThanOrEqualTo(4, executions, "it fired every second");
        Assert.AreEqual(executions, await _db.CountAsync("SELECT count(DISTINCT context->'trigger'->'data'->>'scheduledAt') FROM workflow_executions WHERE definition_id = $1", workflow));
        Assert.AreEqual(executions, stoppedAt, "the job ran once per due time across both nodes: the cluster kept it single, not the trigger key");
    }
}
