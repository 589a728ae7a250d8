using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.Notifications;

namespace Platform.Workflows.Actions;

/// <summary>
/// An in-app notification to a member: <c>{"userId":"{{ trigger.data.userId }}","title":"…","body":"…","link":"…"}</c>,
/// through <see cref="NotificationService"/> (the member's preferences for <see cref="NotificationType"/> apply).
/// </summary>
public sealed class NotifyAction : IWorkflowAction
{
    public const string NotificationType = NotificationTypes.WorkflowNotification;

    public string Type => "notify";

    public IReadOnlyList<WorkflowSetting> Settings { get; } = [WorkflowSetting.Text("userId", required: true), WorkflowSetting.Text("title", required: true), WorkflowSetting.Text("body"), WorkflowSetting.Text("link")];

    public IEnumerable<string> Validate(JsonObject config)
    {
        if (config["userId"] is not JsonValue user || !user.TryGetValue<string>(out var id) || !(Guid.TryParse(id, out _) || id.Contains("{{", StringComparison.Ordinal)))
        {
            yield return "userId: a member's id (templates allowed).";
        }

        if (config["title"] is not JsonValue title || !title.TryGetValue<string>(out var text) || text.Trim().Length is 0 or > NotificationService.MaxTitleLength)
        {
            yield return $"title: 1 to {NotificationService.MaxTitleLength} characters.";
        }
    }

    public async Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Guid.TryParse(context.Text("userId"), out var userId))
        {
            throw new WorkflowTemplateException($"userId: '{context.Text("userId")}' is not a member id.");
        }

        var notifications = context.Services.GetRequiredService<NotificationService>();
        var sent = await notifications.SendAsync(
            context.TenantId, userId, NotificationType, context.Text("title")!, context.Text("body"), context.Text("link"), cancellationToken).ConfigureAwait(false);
        return WorkflowActionResult.Done(new JsonObject { ["notificationId"] = sent?.Id.ToString(), ["delivered"] = sent is not null });
    }
}
