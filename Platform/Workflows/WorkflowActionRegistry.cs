using System.Collections.Frozen;

namespace Platform.Workflows;

/// <summary>Every registered <see cref="IWorkflowAction"/>, by node type.</summary>
public sealed class WorkflowActionRegistry(IEnumerable<IWorkflowAction> actions)
{
    private readonly FrozenDictionary<string, IWorkflowAction> _actions = actions.ToFrozenDictionary(a => a.Type, StringComparer.Ordinal);

    public IEnumerable<string> Types => _actions.Keys.Order(StringComparer.Ordinal);

    public IWorkflowAction? Find(string type) => _actions.GetValueOrDefault(type);
}
