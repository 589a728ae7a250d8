namespace Web.Workflows;

/// <summary>How the designer's side panel edits one config setting.</summary>
public enum SettingKind
{
    /// <summary>A string; templates (<c>{{ trigger.data.x }}</c>) allowed. Left empty, it is left out.</summary>
    Text,

    /// <summary>A number. Left empty, it is left out.</summary>
    Number,

    /// <summary>A true/false switch.</summary>
    Flag,

    /// <summary>Any JSON (objects, conditions); text that does not parse as JSON is sent as a string.</summary>
    Json,
}

/// <summary>One setting of a node's config, by its JSON name at the Api.</summary>
public sealed record NodeSetting(string Name, SettingKind Kind);

/// <summary>A type the palette offers: a trigger or an action, its output ports and its settings.</summary>
public sealed record NodeType(string Type, bool IsTrigger, IReadOnlyList<string> Ports, IReadOnlyList<NodeSetting> Settings);

/// <summary>
/// The palette: the Api's trigger types and registered actions (Platform/Workflows/WorkflowTriggers and Actions/), with
/// the settings each reads. The Api stays the judge of a config; a type missing here can still be loaded and saved, its
/// config edited as JSON.
/// </summary>
public static class WorkflowNodeTypes
{
    public const string DefaultPort = "out";

    private static readonly string[] Out = [DefaultPort];

    public static IReadOnlyList<NodeType> All { get; } =
    [
        new("trigger.manual", true, Out, []),
        new("trigger.event", true, Out, [new("eventType", SettingKind.Text)]),
        new("trigger.cron", true, Out, [new("cron", SettingKind.Text), new("timeZone", SettingKind.Text)]),
        new("trigger.webhook", true, Out, []),
        new("notify", false, Out, [new("userId", SettingKind.Text), new("title", SettingKind.Text), new("body", SettingKind.Text), new("link", SettingKind.Text)]),
        new("set_variable", false, Out, [new("name", SettingKind.Text), new("value", SettingKind.Json)]),
        new("condition", false, ["true", "false"], [new("if", SettingKind.Json)]),
        new("delay", false, Out, [new("seconds", SettingKind.Number), new("until", SettingKind.Text)]),
        new("http.request", false, Out, [new("method", SettingKind.Text), new("url", SettingKind.Text), new("headers", SettingKind.Json), new("body", SettingKind.Json)]),
        new("send_email", false, Out, [new("to", SettingKind.Text), new("template", SettingKind.Text), new("culture", SettingKind.Text), new("model", SettingKind.Json)]),
        new("record.assign_role", false, Out, [new("userId", SettingKind.Text), new("roleId", SettingKind.Text), new("assign", SettingKind.Flag)]),
    ];

    /// <summary>Every setting name, for their labels.</summary>
    public static IEnumerable<string> SettingNames => All.SelectMany(t => t.Settings).Select(s => s.Name).Distinct(StringComparer.Ordinal);

    /// <summary>The resource key of a type's name (dots and underscores made plain).</summary>
    public static string NameKey(string type) => "Workflows.Type." + type.Replace('.', '_');

    public static string SettingKey(string setting) => "Workflows.Setting." + setting;
}
