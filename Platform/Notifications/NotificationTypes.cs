using Platform.Messaging;

namespace Platform.Notifications;

/// <summary>A kind of notification the platform sends, which a member can choose channels for.</summary>
public sealed record NotificationType(string Type, string Description);

/// <summary>
/// Every notification type the platform sends, so a member's settings list all of them (not only those they changed)
/// and a choice for a type that is never sent is refused. A new kind of notification adds one line here.
/// </summary>
public static class NotificationTypes
{
    public const string WorkflowNotification = "workflow.notification";

    public const string WorkflowFailed = "workflow.failed";

    public static IReadOnlyList<NotificationType> All { get; } =
    [
        new(EventTypes.MemberRoleAssigned, "You were given a role."),
        new(EventTypes.MemberRoleUnassigned, "A role was taken from you."),
        new(WorkflowNotification, "A workflow's notification step addressed you."),
        new(WorkflowFailed, "A workflow you own failed."),
        new(EventTypes.WebhookEndpointDisabled, "A webhook endpoint was disabled after failing for days."),
    ];

    public static bool IsKnown(string type) => All.Any(t => t.Type == type);
}
