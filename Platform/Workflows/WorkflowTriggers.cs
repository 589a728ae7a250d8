namespace Platform.Workflows;

/// <summary>How executions of a workflow start: the type of its trigger node.</summary>
public static class WorkflowTriggers
{
    /// <summary>Started from the Api, with an input.</summary>
    public const string Manual = "trigger.manual";

    /// <summary>An integration event of the organization (<c>config.eventType</c>).</summary>
    public const string Event = "trigger.event";

    /// <summary>A cron schedule (<c>config.cron</c>, Quartz syntax with seconds, UTC unless <c>config.timeZone</c>).</summary>
    public const string Cron = "trigger.cron";

    /// <summary>A POST to the workflow's inbound webhook URL with its secret token.</summary>
    public const string Webhook = "trigger.webhook";

    /// <summary>Every trigger type, in the order editors offer them.</summary>
    public static IReadOnlyList<string> All { get; } = [Manual, Event, Cron, Webhook];

    public static bool IsTrigger(string? type) => type is Manual or Event or Cron or Webhook;

    /// <summary>The settings a trigger's config reads (checked by <see cref="WorkflowValidator"/>).</summary>
    public static IReadOnlyList<WorkflowSetting> Settings(string type) => type switch
    {
        Event => [WorkflowSetting.Text("eventType", required: true)],
        Cron => [WorkflowSetting.Text("cron", required: true), WorkflowSetting.Text("timeZone")],
        _ => [],
    };

    /// <summary>The short name stored with a version (<c>manual</c>, <c>event</c>, <c>cron</c>, <c>webhook</c>).</summary>
    public static string Kind(string type) => type["trigger.".Length..];
}
