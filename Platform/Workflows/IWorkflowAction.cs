using System.Text.Json.Nodes;

namespace Platform.Workflows;

/// <summary>
/// One kind of workflow step. Adding an action is one class implementing this, registered with
/// <c>services.AddWorkflowAction&lt;T&gt;()</c>: the registry finds it by <see cref="Type"/>, validation asks it about
/// its config when a draft is saved, and the executor calls <see cref="ExecuteAsync"/> with the config rendered.
/// </summary>
/// <remarks>
/// Steps run at least once: a Worker that dies after the side effect but before the step is committed runs it
/// again. Actions with side effects pass <see cref="WorkflowActionContext.IdempotencyKey"/> (the same for every
/// attempt of the step) to whatever they call, so the other side can drop a repeat. Actions are singletons:
/// reach scoped services through <see cref="WorkflowActionContext.Services"/>.
/// </remarks>
public interface IWorkflowAction
{
    /// <summary>The node type that selects this action, e.g. <c>http.request</c>.</summary>
    string Type { get; }

    /// <summary>The output ports edges may leave from: <c>out</c>, or a condition's <c>true</c>/<c>false</c>.</summary>
    IReadOnlyList<string> OutputPorts => [WorkflowEdge.DefaultPort];

    /// <summary>
    /// False for actions that only compute from the execution's data (<c>set_variable</c>, <c>condition</c>, <c>delay</c>):
    /// their attempt is recorded when it ends, in the same commit as its result, instead of also before it starts.
    /// Running one again after a crash changes nothing outside, so the record of an attempt in flight is not needed.
    /// </summary>
    bool HasSideEffects => true;

    /// <summary>The settings its config reads, for editors; empty when it has none.</summary>
    IReadOnlyList<WorkflowSetting> Settings => [];

    /// <summary>What is wrong with a node's config (unrendered: templates are not evaluated yet); empty when valid.</summary>
    IEnumerable<string> Validate(JsonObject config);

    /// <summary>Runs the step; throw to fail this attempt (retried per the node's policy).</summary>
    Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken);
}

/// <summary>What a step gets: its rendered config, the execution's data, and who it runs for.</summary>
/// <param name="TenantId">The organization.</param>
/// <param name="ExecutionId">The execution.</param>
/// <param name="NodeId">This step's node.</param>
/// <param name="Attempt">1 for the first attempt.</param>
/// <param name="OwnerId">The workflow's owner: record changes are checked against their permissions (null when an API key created it).</param>
/// <param name="Config">The node's config with every template rendered.</param>
/// <param name="Data">The execution's data: <c>trigger</c>, <c>steps</c>, <c>vars</c>.</param>
/// <param name="Services">A scope for this step.</param>
public sealed record WorkflowActionContext(
    Guid TenantId, Guid ExecutionId, string NodeId, int Attempt, Guid? OwnerId, JsonObject Config, JsonObject Data, IServiceProvider Services)
{
    /// <summary>Stable for every attempt of this step: <c>{executionId}:{nodeId}</c>.</summary>
    public string IdempotencyKey => IdempotencyKeyFor(ExecutionId, NodeId);

    public static string IdempotencyKeyFor(Guid executionId, string nodeId) => $"{executionId:N}:{nodeId}";

    /// <summary>A string setting of the config, or null.</summary>
    public string? Text(string name) => Config[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : Config[name]?.ToJsonString();
}

/// <summary>What a step produced, where the execution goes next, and whether it first waits.</summary>
/// <param name="Output">Stored as <c>steps.{node}.output</c>.</param>
/// <param name="Port">The output port to follow.</param>
/// <param name="ResumeAt">When set, the execution suspends until then (a durable timer), then continues from this port.</param>
/// <param name="Variables">Values to set in <c>vars</c>.</param>
public sealed record WorkflowActionResult(JsonNode? Output, string Port = WorkflowEdge.DefaultPort, DateTimeOffset? ResumeAt = null, IReadOnlyDictionary<string, JsonNode?>? Variables = null)
{
    public static WorkflowActionResult Done(JsonNode? output = null) => new(output);
}
