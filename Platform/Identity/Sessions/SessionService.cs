using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Caching;
using Platform.Data;
using Platform.Identity.Tokens;
using Platform.Security;
using Platform.Tenancy;

namespace Platform.Identity.Sessions;

/// <summary>What a successful sign-in or refresh hands to the client.</summary>
public sealed record TokenPair(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, Guid SessionId);

/// <summary>How a refresh attempt ended.</summary>
public enum RefreshOutcome
{
    Refreshed,
    Invalid,
    Expired,
    SessionRevoked,

    /// <summary>An already-used token came back: the whole session (token family) was revoked.</summary>
    ReuseDetected,
}

/// <summary>
/// Sessions and their rotating refresh tokens. Each refresh token is exchanged once; presenting
/// a used one again means it was stolen or replayed, so the whole family is revoked. A revoked
/// session is also published to Redis so access tokens of that session stop working at once.
/// </summary>
public sealed class SessionService(PlatformDbContext db, TenantContext tenant, AccessTokenIssuer issuer, RedisClient redis, SecurityEventRecorder security, IOptions<PlatformIdentityOptions> options, TimeProvider clock)
{
    private const string RefreshKind = "rt";

    /// <summary>Redis key marking a revoked session, kept as long as its access tokens could live.</summary>
    public static string RevokedSessionKey(Guid sessionId) => $"identity:revoked-session:{sessionId:N}";

    /// <summary>Starts a session for a user who has just proved who they are, in the current organization.</summary>
    public async Task<TokenPair> StartAsync(PlatformUser user, bool usedSecondFactor, IPAddress? ip, string? userAgent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = clock.GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            CreatedAt = now,
            LastSeenAt = now,
            UsedSecondFactor = usedSecondFactor,
            Ip = ip,
            UserAgent = userAgent is { Length: > 512 } ? userAgent[..512] : userAgent,
        };
        db.Add(session);
        var refresh = AddRefreshToken(session.Id, now);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var (access, accessExpires) = await issuer.IssueAsync(user.Id, tenant.RequiredTenantId, session.Id, user.Email, user.DisplayName, usedSecondFactor, cancellationToken).ConfigureAwait(false);
        return new TokenPair(access, accessExpires, refresh.Token, refresh.ExpiresAt, session.Id);
    }

    /// <summary>Exchanges a refresh token for a new pair. Sets the request's tenant from the token.</summary>
    public async Task<(RefreshOutcome Outcome, TokenPair? Tokens, UserSession? Session)> RefreshAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (!OpaqueToken.TryParse(presented, RefreshKind, out var token))
        {
            return (RefreshOutcome.Invalid, null, null);
        }

        tenant.Set(token.TenantId, userId: null);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Row lock: two refreshes racing with one token are serialized, and the second is reuse.
        var stored = await db.Set<RefreshToken>()
            .FromSql($"SELECT * FROM refresh_tokens WHERE tenant_id = {token.TenantId} AND id = {token.Id} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (stored is null || !token.Matches(stored.SecretHash))
        {
            tenant.Reset();
            return (RefreshOutcome.Invalid, null, null);
        }

        var session = await db.Set<UserSession>().SingleAsync(s => s.Id == stored.SessionId, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        if (session.RevokedAt is not null)
        {
            return (RefreshOutcome.SessionRevoked, null, session);
        }

        if (stored.UsedAt is not null)
        {
            await RevokeAsync(session, "refresh token reuse", cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await security.RecordAsync(new SecurityEvent(SecurityEventType.RefreshTokenReuse, token.TenantId, session.UserId,
                Detail: $"session {session.Id} revoked"), cancellationToken).ConfigureAwait(false);
            return (RefreshOutcome.ReuseDetected, null, session);
        }

        if (stored.ExpiresAt <= now)
        {
            return (RefreshOutcome.Expired, null, session);
        }

        var user = await db.Users.SingleAsync(u => u.Id == session.UserId, cancellationToken).ConfigureAwait(false);
        stored.UsedAt = now;
        session.LastSeenAt = now;
        var next = AddRefreshToken(session.Id, now);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        tenant.SetUser(user.Id);
        var (access, accessExpires) = await issuer.IssueAsync(user.Id, token.TenantId, session.Id, user.Email, user.DisplayName, session.UsedSecondFactor, cancellationToken).ConfigureAwait(false);
        return (RefreshOutcome.Refreshed, new TokenPair(access, accessExpires, next.Token, next.ExpiresAt, session.Id), session);
    }

    /// <summary>The user's active sessions in the current organization, newest first.</summary>
    public Task<List<UserSession>> ListAsync(Guid userId, CancellationToken cancellationToken = default) =>
        db.Set<UserSession>().Where(s => s.UserId == userId && s.RevokedAt == null).OrderByDescending(s => s.LastSeenAt).ToListAsync(cancellationToken);

    /// <summary>Revokes one of the user's sessions; false when it is not theirs or not active.</summary>
    public async Task<bool> RevokeAsync(Guid userId, Guid sessionId, string reason, CancellationToken cancellationToken = default)
    {
        var session = await db.Set<UserSession>().SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId && s.RevokedAt == null, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return false;
        }

        await RevokeAsync(session, reason, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Ends every active session of a user in the current organization (e.g. removed from it).</summary>
    public async Task<int> RevokeAllAsync(Guid userId, string reason, CancellationToken cancellationToken = default)
    {
        var active = await db.Set<UserSession>().Where(s => s.UserId == userId && s.RevokedAt == null).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var session in active)
        {
            await RevokeAsync(session, reason, cancellationToken).ConfigureAwait(false);
        }

        return active.Count;
    }

    /// <summary>True when the session was revoked (checked on every authenticated request through Redis).</summary>
    public static async Task<bool> IsRevokedAsync(RedisClient redis, Guid sessionId, CancellationToken cancellationToken) =>
        await redis.GetAsync(RevokedSessionKey(sessionId), cancellationToken).ConfigureAwait(false) is not null;

    private async Task RevokeAsync(UserSession session, string reason, CancellationToken cancellationToken)
    {
        session.RevokedAt = clock.GetUtcNow();
        session.RevokedReason = reason;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await redis.SetAsync(RevokedSessionKey(session.Id), reason, options.Value.AccessTokenLifetime + TimeSpan.FromMinutes(1), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private (string Token, DateTimeOffset ExpiresAt) AddRefreshToken(Guid sessionId, DateTimeOffset now)
    {
        var token = OpaqueToken.Create(RefreshKind, tenant.RequiredTenantId);
        var expires = now + options.Value.RefreshTokenLifetime;
        db.Add(new RefreshToken { Id = token.Id, SessionId = sessionId, SecretHash = token.SecretHash, CreatedAt = now, ExpiresAt = expires });
        return (token.ToString(), expires);
    }
}
