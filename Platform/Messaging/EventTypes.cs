using System.Reflection;

namespace Platform.Messaging;

/// <summary>Describes an integration event type for the published catalogue (webhook subscriptions, workflow triggers).</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class EventTypeAttribute(string description) : Attribute
{
    public string Description { get; } = description;
}

/// <summary>A published event type and what it means.</summary>
public sealed record EventTypeDefinition(string Type, string Description);

/// <summary>
/// The integration events the platform publishes, each written to the outbox in the transaction of its change.
/// Payloads carry ids and names, never secrets.
/// </summary>
public static class EventTypes
{
    [EventType("Someone was invited to join the organization. Payload: invitationId, email, roleId, expiresAt.")]
    public const string UserInvited = "user.invited";

    [EventType("An invited person joined the organization. Payload: userId, roleId.")]
    public const string MemberJoined = "member.joined";

    [EventType("A member was removed from the organization. Payload: userId.")]
    public const string MemberRemoved = "member.removed";

    [EventType("A member was given a role. Payload: userId, roleId, role.")]
    public const string MemberRoleAssigned = "member.role_assigned";

    [EventType("A role was taken from a member. Payload: userId, roleId, role.")]
    public const string MemberRoleUnassigned = "member.role_unassigned";

    [EventType("An API key was created. Payload: apiKeyId, name, prefix, expiresAt.")]
    public const string ApiKeyCreated = "api_key.created";

    [EventType("An API key was revoked. Payload: apiKeyId, name, prefix.")]
    public const string ApiKeyRevoked = "api_key.revoked";

    [EventType("The platform disabled a webhook endpoint (it answered 410 Gone, or only failed for days). Payload: endpointId, url, reason (gone or failing), failingSince, disabledAt.")]
    public const string WebhookEndpointDisabled = "webhook_endpoint.disabled";

    /// <summary>Every published type, in declaration order.</summary>
    public static IReadOnlyList<EventTypeDefinition> All { get; } = typeof(EventTypes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.GetCustomAttribute<EventTypeAttribute>() is not null)
        .Select(f => new EventTypeDefinition((string)f.GetRawConstantValue()!, f.GetCustomAttribute<EventTypeAttribute>()!.Description))
        .ToArray();
}
