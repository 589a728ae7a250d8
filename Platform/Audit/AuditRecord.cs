using System.Net;

namespace Platform.Audit;

/// <summary>One stored audit row, as the viewer, the export and the verifier read it.</summary>
/// <param name="Id">The row's id (assigned by the database; it locates the row, the chain does not use it).</param>
/// <param name="TenantId">The organization, or <see langword="null"/> for a platform-level event.</param>
/// <param name="Sequence">The position in the tenant's hash chain, from 1 without gaps.</param>
/// <param name="OccurredAt">When it was recorded, in UTC with microsecond precision (what PostgreSQL stores).</param>
/// <param name="ActorType">Who acted.</param>
/// <param name="ActorId">The user or API key id.</param>
/// <param name="Action">What happened.</param>
/// <param name="ResourceType">The kind of thing acted on.</param>
/// <param name="ResourceId">The id of the thing acted on.</param>
/// <param name="Changes">Before/after values as JSON text.</param>
/// <param name="Ip">The client's address.</param>
/// <param name="UserAgent">The client's user agent.</param>
/// <param name="TraceId">The distributed trace id.</param>
/// <param name="IsSecurityEvent">Whether it is a security event.</param>
/// <param name="PreviousHash">The hash of the tenant's previous entry (zeros for the first).</param>
/// <param name="Hash">SHA-256 over this entry and <paramref name="PreviousHash"/>.</param>
public sealed record AuditRecord(
    long Id,
    Guid? TenantId,
    long Sequence,
    DateTimeOffset OccurredAt,
    AuditActorType ActorType,
    Guid? ActorId,
    string Action,
    string ResourceType,
    string? ResourceId,
    string? Changes,
    IPAddress? Ip,
    string? UserAgent,
    string? TraceId,
    bool IsSecurityEvent,
    byte[] PreviousHash,
    byte[] Hash);
