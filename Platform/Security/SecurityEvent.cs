using System.Net;
using Platform.Audit;

namespace Platform.Security;

/// <summary>One security event, as the code that noticed it reports it to <see cref="SecurityEventRecorder"/>.</summary>
/// <param name="Type">What happened.</param>
/// <param name="TenantId">The organization concerned; <see langword="null"/> for platform-level events (e.g. a sign-in attempt for an unknown address).</param>
/// <param name="UserId">The user concerned (the account attacked, the member refused), when known.</param>
/// <param name="Ip">The client's address.</param>
/// <param name="Account">The sign-in name tried (an email), for failed logins of unknown accounts; normalized by the recorder.</param>
/// <param name="Detail">A short, secret-free explanation, e.g. the missing permission or why an API key was refused.</param>
/// <param name="UserAgent">The client's user agent.</param>
/// <param name="ActorType">Who acted; defaults to <see cref="AuditActorType.User"/> (a person, possibly unknown).</param>
/// <param name="ActorId">The acting user or API key, when different from <paramref name="UserId"/> (e.g. the API key misused).</param>
/// <param name="Severity">Overrides the type's <see cref="SecurityEventTypes.DefaultSeverity"/>.</param>
public sealed record SecurityEvent(
    SecurityEventType Type,
    Guid? TenantId,
    Guid? UserId = null,
    IPAddress? Ip = null,
    string? Account = null,
    string? Detail = null,
    string? UserAgent = null,
    AuditActorType ActorType = AuditActorType.User,
    Guid? ActorId = null,
    SecuritySeverity? Severity = null)
{
    /// <summary>The severity recorded: <see cref="Severity"/> or the type's default.</summary>
    public SecuritySeverity EffectiveSeverity => Severity ?? Type.DefaultSeverity();
}
