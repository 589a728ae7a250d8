using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Platform.Workflows;

/// <summary>
/// A workflow as it is drawn: nodes (one trigger, then actions) joined by edges from a node's output port to the
/// next node. Stored as JSON in the draft and in each published version.
/// </summary>
public sealed record WorkflowGraph
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public IReadOnlyList<WorkflowNode> Nodes { get; init; } = [];

    public IReadOnlyList<WorkflowEdge> Edges { get; init; } = [];

    /// <summary>The trigger node (validation guarantees exactly one on a saved graph).</summary>
    [JsonIgnore]
    public WorkflowNode Trigger => Nodes.First(n => WorkflowTriggers.IsTrigger(n.Type));

    public WorkflowNode? Node(string id) => Nodes.FirstOrDefault(n => n.Id == id);

    /// <summary>The nodes an output port of <paramref name="nodeId"/> leads to, in edge order.</summary>
    public IEnumerable<string> Next(string nodeId, string port) =>
        Edges.Where(e => e.From == nodeId && string.Equals(e.Port ?? WorkflowEdge.DefaultPort, port, StringComparison.Ordinal)).Select(e => e.To);

    public static WorkflowGraph Parse(string json) => JsonSerializer.Deserialize<WorkflowGraph>(json, Json) ?? new WorkflowGraph();

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>One step of a workflow.</summary>
/// <param name="Id">Unique in the graph; steps' outputs are read as <c>steps.{id}.output</c>.</param>
/// <param name="Type">A trigger type (<c>trigger.manual</c>...) or an action type from the registry.</param>
/// <param name="Config">The type's settings; strings may hold <c>{{ path }}</c> templates.</param>
/// <param name="Retry">How a failing action is retried (defaults from <see cref="WorkflowOptions"/>).</param>
/// <param name="TimeoutSeconds">How long one attempt may run.</param>
public sealed record WorkflowNode(string Id, string Type, JsonObject? Config = null, RetryPolicy? Retry = null, int? TimeoutSeconds = null);

/// <summary>From <paramref name="From"/>'s output <paramref name="Port"/> (<c>out</c> unless a condition's <c>true</c>/<c>false</c>) to <paramref name="To"/>.</summary>
public sealed record WorkflowEdge(string From, string To, string? Port = null)
{
    public const string DefaultPort = "out";
}

/// <summary>Retries of a failing action: attempt n waits <c>initial × coefficient^(n−1)</c> seconds (Temporal's shape).</summary>
public sealed record RetryPolicy(int MaxAttempts = 3, double InitialIntervalSeconds = 1, double Coefficient = 2)
{
    public TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(InitialIntervalSeconds * Math.Pow(Coefficient, Math.Max(0, attempt - 1)), 3600));
}
