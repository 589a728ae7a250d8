using System.Text.Json;
using Platform.Email;
using Platform.Messaging;

namespace Platform.Notifications;

/// <summary>
/// Tells members about changes to their roles: consumes <see cref="EventTypes.MemberRoleAssigned"/> and
/// <see cref="EventTypes.MemberRoleUnassigned"/> from the <c>notifications</c> queue and stores an in-app
/// notification in the consumer's transaction (so a redelivered event does not notify twice), announced live once
/// committed; members whose email channel is on for the type also get the <c>role_changed</c> email, queued in the same transaction.
/// </summary>
public sealed class MembershipNotifications(NotificationService notifications)
{
    /// <summary>The consumer's name (its inbox) and the queue it reads.</summary>
    public const string Consumer = "notifications";

    public async Task HandleAsync(ReceivedMessage message, ConsumeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var title = message.Type switch
        {
            EventTypes.MemberRoleAssigned => "You were given the role {0}.",
            EventTypes.MemberRoleUnassigned => "The role {0} was taken from you.",
            _ => null,
        };
        if (title is null || message.TenantId is not { } tenantId)
        {
            return;
        }

        var change = JsonSerializer.Deserialize<RoleChange>(message.Payload, JsonSerializerOptions.Web)
            ?? throw new JsonException($"{message.Type} {message.MessageId} has no payload.");
        var notification = await notifications.CreateAsync(
            context.Connection, context.Transaction, tenantId, change.UserId, message.Type,
            string.Format(System.Globalization.CultureInfo.InvariantCulture, title, change.Role), body: null, link: "/account",
            new NotificationEmail(EmailTemplates.RoleChanged, new Dictionary<string, object?>
            {
                ["roleName"] = change.Role,
                ["granted"] = message.Type == EventTypes.MemberRoleAssigned,
            }),
            cancellationToken).ConfigureAwait(false);
        if (notification is not null)
        {
            context.OnCommitted(ct => notifications.PublishAsync(tenantId, change.UserId, notification, ct));
        }
    }

    private sealed record RoleChange(Guid UserId, Guid RoleId, string Role);
}
