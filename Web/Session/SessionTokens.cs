using System.Security.Claims;
using Web.Clients;

namespace Web.Session;

/// <summary>
/// Hands out the current session's access token, refreshing it with the refresh token shortly
/// before it expires. Refreshes of one session are serialized (the Api revokes a session whose
/// refresh token is used twice), and the store is read again under the lock so a request that
/// waited uses the tokens its neighbour just got.
/// </summary>
public sealed partial class SessionTokens(TokenStore store, AuthClient auth, IHttpContextAccessor httpContext, TimeProvider clock, ILogger<SessionTokens> logger)
{
    // A handful of locks shared by hash: bounded memory, and collisions only make two sessions wait on each other.
    private static readonly SemaphoreSlim[] Locks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(1);

    /// <summary>Refresh a minute before expiry, or in the last quarter of a token's life when it lives less than four minutes.</summary>
    private bool IsDue(StoredTokens stored)
    {
        var lifetime = stored.Tokens.AccessTokenExpiresAt - stored.ObtainedAt;
        var ahead = lifetime / 4 < RefreshAhead ? lifetime / 4 : RefreshAhead;
        return stored.Tokens.AccessTokenExpiresAt - clock.GetUtcNow() <= ahead;
    }

    /// <summary>A valid access token for the signed-in user.</summary>
    /// <exception cref="SessionExpiredException">There is no session, or the Api refused to refresh it.</exception>
    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        var sessionId = httpContext.HttpContext?.User.FindFirstValue(SessionClaims.SessionId) ?? throw new SessionExpiredException();
        var stored = await store.GetAsync(sessionId, cancellationToken) ?? throw new SessionExpiredException();
        if (!IsDue(stored))
        {
            return stored.Tokens.AccessToken;
        }

        var gate = Locks[(int)((uint)StringComparer.Ordinal.GetHashCode(sessionId) % Locks.Length)];
        await gate.WaitAsync(cancellationToken);
        try
        {
            stored = await store.GetAsync(sessionId, cancellationToken) ?? throw new SessionExpiredException();
            if (!IsDue(stored))
            {
                return stored.Tokens.AccessToken;
            }

            var refreshed = await auth.RefreshAsync(stored.Tokens.RefreshToken, cancellationToken);
            if (refreshed.Problem is { } problem)
            {
                LogRefreshRefused(logger, sessionId[..8], problem.Status, problem.Code);
                if (problem.Status == StatusCodes.Status401Unauthorized)
                {
                    await store.RemoveAsync(sessionId, cancellationToken);
                }

                throw new SessionExpiredException(problem.Title);
            }

            await store.SaveAsync(sessionId, refreshed.Value!, cancellationToken);
            LogRefreshed(logger, sessionId[..8]);
            return refreshed.Value!.AccessToken;
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refreshed the Api tokens of web session {SessionPrefix}")]
    private static partial void LogRefreshed(ILogger logger, string sessionPrefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Api refused to refresh web session {SessionPrefix}: {Status} {Code}")]
    private static partial void LogRefreshRefused(ILogger logger, string sessionPrefix, int status, string? code);
}
