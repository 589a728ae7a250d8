using System.Text.Json.Nodes;
using Platform.Messaging;

namespace Platform.Workflows;

/// <summary>
/// Checks a graph before it is saved: exactly one trigger, every node reachable from it, no cycles, edges between
/// existing nodes and from ports their node has, and each node's config valid for its type. Errors are keyed by
/// where they are: <c>nodes.{id}</c>, <c>edges[i]</c> or <c>graph</c>.
/// </summary>
public sealed class WorkflowValidator(WorkflowActionRegistry actions)
{
    public const int MaxNodes = 200;

    public IDictionary<string, string[]> Validate(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string key, string message)
        {
            if (!errors.TryGetValue(key, out var list))
            {
                errors[key] = list = [];
            }

            list.Add(message);
        }

        if (graph.Nodes.Count > MaxNodes)
        {
            Add("graph", $"A workflow has at most {MaxNodes} nodes.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (string.IsNullOrWhiteSpace(node.Id) || node.Id.Length > 64 || !node.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                Add("graph", $"Node id '{node.Id}' must be 1 to 64 letters, digits, '_' or '-'.");
                continue;
            }

            if (!ids.Add(node.Id))
            {
                Add($"nodes.{node.Id}", "Another node has this id.");
            }

            ValidateNode(node, message => Add($"nodes.{node.Id}", message));
        }

        var triggers = graph.Nodes.Where(n => WorkflowTriggers.IsTrigger(n.Type)).ToList();
        if (triggers.Count != 1)
        {
            Add("graph", $"A workflow has exactly one trigger node; this one has {triggers.Count}.");
        }

        for (var i = 0; i < graph.Edges.Count; i++)
        {
            var edge = graph.Edges[i];
            var from = graph.Node(edge.From);
            if (from is null || graph.Node(edge.To) is null)
            {
                Add($"edges[{i}]", $"Edge {edge.From} → {edge.To} joins a node that does not exist.");
                continue;
            }

            var port = edge.Port ?? WorkflowEdge.DefaultPort;
            var ports = WorkflowTriggers.IsTrigger(from.Type) ? [WorkflowEdge.DefaultPort] : actions.Find(from.Type)?.OutputPorts ?? [];
            if (!ports.Contains(port))
            {
                Add($"nodes.{from.Id}", $"Node '{from.Id}' has no output port '{port}' (it has: {string.Join(", ", ports)}).");
            }

            if (WorkflowTriggers.IsTrigger(graph.Node(edge.To)!.Type))
            {
                Add($"nodes.{edge.To}", "Nothing may lead into the trigger.");
            }
        }

        if (triggers.Count == 1)
        {
            var reachable = Reachable(graph, triggers[0].Id);
            foreach (var orphan in graph.Nodes.Where(n => !reachable.Contains(n.Id)))
            {
                Add($"nodes.{orphan.Id}", "Node is not reachable from the trigger (an orphan).");
            }
        }

        foreach (var node in NodesOnCycles(graph))
        {
            Add($"nodes.{node}", "Node is part of a cycle; workflows run forward only.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.Distinct().ToArray(), StringComparer.Ordinal);
    }

    private void ValidateNode(WorkflowNode node, Action<string> add)
    {
        var config = node.Config ?? [];
        if (node.Retry is { } retry && (retry.MaxAttempts is < 1 or > 20 || retry.InitialIntervalSeconds is < 0 or > 3600 || retry.Coefficient is < 1 or > 10))
        {
            add("retry: maxAttempts 1–20, initialIntervalSeconds 0–3600, coefficient 1–10.");
        }

        if (node.TimeoutSeconds is < 1 or > 3600)
        {
            add("timeoutSeconds: 1–3600.");
        }

        switch (node.Type)
        {
            case WorkflowTriggers.Event:
                var type = config["eventType"] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
                if (type is null || !EventTypes.All.Any(e => e.Type == type))
                {
                    add($"eventType: one of the published event types ({string.Join(", ", EventTypes.All.Select(e => e.Type))}).");
                }

                break;
            case WorkflowTriggers.Cron:
                var cron = config["cron"] is JsonValue c && c.TryGetValue<string>(out var expression) ? expression : null;
                if (cron is null || !Quartz.CronExpression.TryParse(cron, out _))
                {
                    add("cron: a cron expression with seconds (Quartz syntax), e.g. \"0 0 9 ? * MON-FRI\".");
                }

                if (config["timeZone"] is JsonValue z && (!z.TryGetValue<string>(out var zone) || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)))
                {
                    add("timeZone: a time zone id such as Europe/Paris.");
                }

                break;
            case WorkflowTriggers.Manual or WorkflowTriggers.Webhook:
                break;
            default:
                if (actions.Find(node.Type) is not { } action)
                {
                    add($"Unknown type '{node.Type}'; use a trigger ({WorkflowTriggers.Manual}, {WorkflowTriggers.Event}, {WorkflowTriggers.Cron}, {WorkflowTriggers.Webhook}) or an action ({string.Join(", ", actions.Types)}).");
                    break;
                }

                foreach (var message in action.Validate(config))
                {
                    add(message);
                }

                break;
        }
    }

    private static HashSet<string> Reachable(WorkflowGraph graph, string start)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var stack = new Stack<string>([start]);
        while (stack.TryPop(out var id))
        {
            foreach (var next in graph.Edges.Where(e => e.From == id).Select(e => e.To))
            {
                if (seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }

        return seen;
    }

    /// <summary>Nodes in a strongly connected component with a cycle (Tarjan), in graph order.</summary>
    private static IEnumerable<string> NodesOnCycles(WorkflowGraph graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var result = new HashSet<string>(StringComparer.Ordinal);
        var counter = 0;
        var ids = graph.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);

        void Connect(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.Edges.Where(e => e.From == v && ids.Contains(e.To)).Select(e => e.To))
            {
                if (!index.TryGetValue(w, out var seen))
                {
                    Connect(w);
                    low[v] = Math.Min(low[v], low[w]);
                    continue;
                }

                if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], seen);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1 || graph.Edges.Any(e => e.From == v && e.To == v))
                {
                    result.UnionWith(component);
                }
            }
        }

        foreach (var id in ids.Where(id => !index.ContainsKey(id)))
        {
            Connect(id);
        }

        return graph.Nodes.Select(n => n.Id).Where(result.Contains).Distinct();
    }
}
