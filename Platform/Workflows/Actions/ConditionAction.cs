using System.Text.Json.Nodes;

namespace Platform.Workflows.Actions;

/// <summary>A branch: <c>{"if": {"all":[{"path":"trigger.data.amount","op":"gt","value":100}]}}</c> leaves by <c>true</c> or <c>false</c>.</summary>
public sealed class ConditionAction : IWorkflowAction
{
    public const string True = "true";
    public const string False = "false";

    public string Type => "condition";

    public IReadOnlyList<WorkflowSetting> Settings { get; } = [WorkflowSetting.Json("if", required: true)];

    public IReadOnlyList<string> OutputPorts { get; } = [True, False];

    public bool HasSideEffects => false;

    public IEnumerable<string> Validate(JsonObject config) =>
        config.ContainsKey("if") ? WorkflowCondition.Validate(config["if"]).Select(e => "if: " + e) : ["if: required (a condition)."];

    public Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = WorkflowCondition.Evaluate(context.Config["if"], context.Data);
        return Task.FromResult(new WorkflowActionResult(new JsonObject { ["result"] = result }, result ? True : False));
    }
}
