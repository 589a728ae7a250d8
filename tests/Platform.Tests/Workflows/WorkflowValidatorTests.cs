using Microsoft.Extensions.DependencyInjection;
using Platform.Workflows;
using Platform.Workflows.Actions;

namespace Platform.Tests.Workflows;

[TestClass]
public sealed class WorkflowValidatorTests
{
    private static readonly WorkflowValidator Validator = new(new WorkflowActionRegistry(
    [
        new SetVariableAction(), new ConditionAction(), new DelayAction(TimeProvider.System), new NotifyAction(),
        new HttpRequestAction(new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>()),
    ]));

    private static IDictionary<string, string[]> Validate(string json) => Validator.Validate(WorkflowGraph.Parse(json));

    [TestMethod]
    public void A_sound_graph_has_no_errors()
    {
        var errors = Validate("""
            { "nodes": [
                { "id": "start", "type": "trigger.event", "config": { "eventType": "member.joined" } },
                { "id": "check", "type": "condition", "config": { "if": { "path": "trigger.data.roleId", "op": "exists" } } },
                { "id": "wait", "type": "delay", "config": { "seconds": 60 }, "timeoutSeconds": 5 },
                { "id": "tell", "type": "notify", "config": { "userId": "{{ trigger.data.userId }}", "title": "Welcome" }, "retry": { "maxAttempts": 5, "initialIntervalSeconds": 2, "coefficient": 3 } },
                { "id": "skip", "type": "set_variable", "config": { "name": "skipped", "value": true } }
              ],
              "edges": [
                { "from": "start", "to": "check" },
                { "from": "check", "to": "wait", "port": "true" },
                { "from": "check", "to": "skip", "port": "false" },
                { "from": "wait", "to": "tell" }
              ] }
            """);
        Assert.IsEmpty(errors, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
    }

    [TestMethod]
    public void Errors_point_at_the_nodes_at_fault()
    {
        var errors = Validate("""
            { "nodes": [
                { "id": "t", "type": "trigger.cron", "config": { "cron": "every day" } },
                { "id": "call", "type": "http.request", "config": { "method": "YELL", "url": "ftp://example.test" } },
                { "id": "branch", "type": "condition", "config": { "if": { "path": "x", "op": "like" } } },
                { "id": "lonely", "type": "set_variable", "config": { "name": "a b" } },
                { "id": "mystery", "type": "teleport" }
              ],
              "edges": [
                { "from": "t", "to": "call" },
                { "from": "call", "to": "branch", "port": "true" },
                { "from": "branch", "to": "mystery", "port": "maybe" }
              ] }
            """);
        StringAssert.Contains(string.Join(" ", errors["nodes.t"]), "cron");
        StringAssert.Contains(string.Join(" ", errors["nodes.call"]), "method");
        StringAssert.Contains(string.Join(" ", errors["nodes.call"]), "url");
        StringAssert.Contains(string.Join(" ", errors["nodes.call"]), "no output port 'true'");
        StringAssert.Contains(string.Join(" ", errors["nodes.branch"]), "op one of");
        StringAssert.Contains(string.Join(" ", errors["nodes.branch"]), "no output port 'maybe'");
        StringAssert.Contains(string.Join(" ", errors["nodes.lonely"]), "orphan");
        StringAssert.Contains(string.Join(" ", errors["nodes.lonely"]), "name");
        StringAssert.Contains(string.Join(" ", errors["nodes.mystery"]), "Unknown type 'teleport'");
    }

    [TestMethod]
    public void Triggers_edges_and_cycles_are_checked()
    {
        var noTrigger = Validate("""{ "nodes": [ { "id": "a", "type": "set_variable", "config": { "name": "x", "value": 1 } } ], "edges": [] }""");
        StringAssert.Contains(string.Join(" ", noTrigger["graph"]), "exactly one trigger");

        var twoTriggers = Validate("""{ "nodes": [ { "id": "a", "type": "trigger.manual" }, { "id": "b", "type": "trigger.webhook" } ], "edges": [] }""");
        StringAssert.Contains(string.Join(" ", twoTriggers["graph"]), "has 2");

        var cycle = Validate("""
            { "nodes": [ { "id": "t", "type": "trigger.manual" },
                { "id": "a", "type": "set_variable", "config": { "name": "x", "value": 1 } },
                { "id": "b", "type": "set_variable", "config": { "name": "y", "value": 2 } } ],
              "edges": [ { "from": "t", "to": "a" }, { "from": "a", "to": "b" }, { "from": "b", "to": "a" }, { "from": "b", "to": "ghost" } ] }
            """);
        StringAssert.Contains(string.Join(" ", cycle["nodes.a"]), "cycle");
        StringAssert.Contains(string.Join(" ", cycle["nodes.b"]), "cycle");
        StringAssert.Contains(string.Join(" ", cycle["edges[3]"]), "does not exist");
        Assert.IsFalse(cycle.ContainsKey("nodes.t"), "the trigger is not on the cycle");

        var duplicate = Validate("""{ "nodes": [ { "id": "t", "type": "trigger.manual" }, { "id": "t", "type": "trigger.manual" } ], "edges": [] }""");
        StringAssert.Contains(string.Join(" ", duplicate["nodes.t"]), "Another node has this id");
    }

    [TestMethod]
    public void An_event_trigger_names_a_published_event_type()
    {
        var errors = Validate("""{ "nodes": [ { "id": "t", "type": "trigger.event", "config": { "eventType": "invoice.paid.maybe" } } ], "edges": [] }""");
        StringAssert.Contains(string.Join(" ", errors["nodes.t"]), "member.joined");
    }
}
