namespace Platform.Workflows;

/// <summary>
/// One setting of a node's config, described for editors such as the Web designer's side panel. Validation stays with
/// the action (<see cref="IWorkflowAction.Validate"/>): this only says which settings exist and what shape they take.
/// </summary>
/// <param name="Name">The config property, e.g. <c>userId</c>.</param>
/// <param name="Kind">One of <see cref="WorkflowSettingKind"/>.</param>
/// <param name="Required">Whether validation refuses a config without it.</param>
public sealed record WorkflowSetting(string Name, string Kind, bool Required = false)
{
    public static WorkflowSetting Text(string name, bool required = false) => new(name, WorkflowSettingKind.Text, required);

    public static WorkflowSetting Number(string name, bool required = false) => new(name, WorkflowSettingKind.Number, required);

    public static WorkflowSetting Flag(string name) => new(name, WorkflowSettingKind.Flag);

    public static WorkflowSetting Json(string name, bool required = false) => new(name, WorkflowSettingKind.Json, required);
}

/// <summary>The shapes a setting takes.</summary>
public static class WorkflowSettingKind
{
    /// <summary>A string; <c>{{ path }}</c> templates allowed.</summary>
    public const string Text = "text";

    public const string Number = "number";

    /// <summary>true or false.</summary>
    public const string Flag = "flag";

    /// <summary>Any JSON: an object, a condition, or a value whose type the workflow decides.</summary>
    public const string Json = "json";
}
