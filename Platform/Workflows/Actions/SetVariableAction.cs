using System.Text.Json.Nodes;

namespace Platform.Workflows.Actions;

/// <summary><c>vars.{name} = value</c>: <c>{"name":"total","value":"{{ trigger.data.amount }}"}</c>.</summary>
public sealed class SetVariableAction : IWorkflowAction
{
    public string Type => "set_variable";

    public IReadOnlyList<WorkflowSetting> Settings { get; } = [WorkflowSetting.Text("name", required: true), WorkflowSetting.Json("value", required: true)];

    public bool HasSideEffects => false;

    public IEnumerable<string> Validate(JsonObject config)
    {
        if (config["name"] is not JsonValue name || !name.TryGetValue<string>(out var text) || text.Length is 0 or > 64 || !text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            yield return "name: 1 to 64 letters, digits or '_'.";
        }

        if (!config.ContainsKey("value"))
        {
            yield return "value: required (any JSON; strings may be templates).";
        }
    }

    public Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var value = context.Config["value"]?.DeepClone();
        return Task.FromResult(new WorkflowActionResult(value, Variables: new Dictionary<string, JsonNode?> { [context.Text("name")!] = value }));
    }
}
