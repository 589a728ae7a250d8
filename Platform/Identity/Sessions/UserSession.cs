using System.Net;
using Platform.Tenancy;

namespace Platform.Identity.Sessions;

/// <summary>A signed-in device: one family of refresh tokens in one organization.</summary>
public sealed class UserSession : ITenantOwned
{
    public Guid TenantId { get; set; }

    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    /// <summary>Signed in with a second factor: every access token of the session says so, refreshed ones too.</summary>
    public bool UsedSecondFactor { get; set; }

    public IPAddress? Ip { get; set; }

    public string? UserAgent { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedReason { get; set; }
}

/// <summary>One refresh token of a session; exchanged exactly once for the next.</summary>
public sealed class RefreshToken : ITenantOwned
{
    public Guid TenantId { get; set; }

    public Guid Id { get; set; }

    public Guid SessionId { get; set; }

    public required byte[] SecretHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }
}
