using System.Collections.Frozen;

namespace Platform.Workflows;

/// <summary>Every registered <see cref="IWorkflowAction"/>, by node type.</summary>
public sealed class WorkflowActionRegistry(IEnumerable<IWorkflowAction> actions)
{
    private readonly FrozenDictionary<string, IWorkflowAction> _actions = actions.ToFrozenDictionary(a => a.Type, StringComparer.Ordinal);

    public IEnumerable<string> Types => _actions.Keys.Order(StringComparer.Ordinal);

    public IWorkflowAction? Find(string type) => _actions.GetValueOrDefault(type);

    /// <summary>Every node type a graph may use, triggers first then the actions by type, as editors offer them.</summary>
    public IReadOnlyList<WorkflowNodeType> NodeTypes() =>
    [
        .. WorkflowTriggers.All.Select(t => new WorkflowNodeType(t, WorkflowNodeType.Trigger, [WorkflowEdge.DefaultPort], WorkflowTriggers.Settings(t))),
        .. Types.Select(t => _actions[t]).Select(a => new WorkflowNodeType(a.Type, WorkflowNodeType.Action, a.OutputPorts, a.Settings)),
    ];
}

/// <summary>A node type as an editor sees it: a trigger or an action, the ports edges leave from, the settings it reads.</summary>
public sealed record WorkflowNodeType(string Type, string Kind, IReadOnlyList<string> OutputPorts, IReadOnlyList<WorkflowSetting> Settings)
{
    public const string Trigger = "trigger";
    public const string Action = "action";
}
