using System.Net;
using System.Text.Json;

namespace Platform.Audit;

/// <summary>Who performed an audited action.</summary>
public enum AuditActorType
{
    /// <summary>A signed-in person.</summary>
    User,

    /// <summary>A client calling the REST API with an API key.</summary>
    ApiKey,

    /// <summary>The platform itself: scheduled jobs, consumers, migrations.</summary>
    System,
}

/// <summary>
/// What a caller records about one mutation or security event. The writer adds the time, the
/// chain position and the hashes.
/// </summary>
/// <param name="TenantId">The organization the event belongs to; <see langword="null"/> for platform-level events.</param>
/// <param name="ActorType">Who acted.</param>
/// <param name="ActorId">The user or API key id; <see langword="null"/> for the system or an unknown actor.</param>
/// <param name="Action">What happened, e.g. <c>customer.updated</c> or <c>login.failed</c>.</param>
/// <param name="ResourceType">The kind of thing acted on, e.g. <c>customer</c>.</param>
/// <param name="ResourceId">The id of the thing acted on, when there is one.</param>
/// <param name="Changes">Before/after values as JSON (see <see cref="AuditChanges.Of"/>).</param>
/// <param name="Ip">The client's address.</param>
/// <param name="UserAgent">The client's user agent.</param>
/// <param name="TraceId">The distributed trace; the writer uses the current activity's when omitted.</param>
/// <param name="IsSecurityEvent">Whether the security views and alerts should include it.</param>
public sealed record AuditEntry(
    Guid? TenantId,
    AuditActorType ActorType,
    Guid? ActorId,
    string Action,
    string ResourceType,
    string? ResourceId = null,
    JsonElement? Changes = null,
    IPAddress? Ip = null,
    string? UserAgent = null,
    string? TraceId = null,
    bool IsSecurityEvent = false);

/// <summary>Builds the <see cref="AuditEntry.Changes"/> document.</summary>
public static class AuditChanges
{
    /// <summary><c>{"before": ..., "after": ...}</c>; either side may be null (a creation, a deletion).</summary>
    public static JsonElement Of(object? before, object? after) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, object?> { ["before"] = before, ["after"] = after });
}
