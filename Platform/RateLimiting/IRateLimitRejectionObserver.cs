using System.Net;
using Microsoft.AspNetCore.Http;

namespace Platform.RateLimiting;

/// <summary>
/// Told about every request the limiter rejects, before the 429 is written; e.g. to record a security
/// event. Register any number as services; they are resolved from the request's services, so scoped ones
/// (e.g. over the database) work. A failing observer is logged and does not change the response.
/// </summary>
public interface IRateLimitRejectionObserver
{
    /// <summary>Called once per rejected request.</summary>
    ValueTask OnRejectedAsync(HttpContext context, RateLimitRejection rejection);
}

/// <summary>Whose budget a request was counted against.</summary>
public enum RateLimitSubjectKind
{
    /// <summary>The resolved organization, by its plan.</summary>
    Organization,

    /// <summary>The client address (anonymous requests and endpoints with a named policy).</summary>
    ClientAddress,
}

/// <summary>A rejected request, as the observers see it.</summary>
/// <param name="Policy">The policy name: <c>organization</c>, <c>anonymous</c> or an endpoint policy such as <c>auth</c>.</param>
/// <param name="SubjectKind">Whether the subject is an organization or a client address.</param>
/// <param name="Subject">The organization id, or the client address (IPv6 grouped by /64).</param>
/// <param name="TenantId">The request's organization, if resolved.</param>
/// <param name="UserId">The request's user, if signed in.</param>
/// <param name="ClientAddress">The connection's remote address.</param>
/// <param name="Limit">The limit that was reached.</param>
/// <param name="Window">The limit's window.</param>
/// <param name="RetryAfter">When one more request will be allowed.</param>
/// <param name="Store">Redis, or the in-memory fallback during an outage.</param>
public sealed record RateLimitRejection(
    string Policy,
    RateLimitSubjectKind SubjectKind,
    string Subject,
    Guid? TenantId,
    Guid? UserId,
    IPAddress? ClientAddress,
    int Limit,
    TimeSpan Window,
    TimeSpan RetryAfter,
    RateLimitStore Store);
