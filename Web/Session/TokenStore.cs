using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Web.Clients;

namespace Web.Session;

/// <summary>
/// The Api tokens of each browser session, kept server-side in the distributed cache (Redis) so
/// every Web replica sees them; the browser holds only a random session id in its cookie. Entries
/// are encrypted with data protection too, so a Redis dump does not hand out live tokens.
/// </summary>
/// <summary>A session's tokens and when this front end got them (to refresh once most of their life has passed).</summary>
public sealed record StoredTokens(TokenPair Tokens, DateTimeOffset ObtainedAt);

public sealed class TokenStore(IDistributedCache cache, IDataProtectionProvider dataProtection, TimeProvider clock)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Web.Session.TokenStore.v1");

    public async Task<StoredTokens?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var stored = await cache.GetAsync(Key(sessionId), cancellationToken);
        if (stored is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredTokens>(_protector.Unprotect(stored));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // A key ring that lost its key: the session is simply over.
            return null;
        }
    }

    public Task SaveAsync(string sessionId, TokenPair tokens, CancellationToken cancellationToken = default) =>
        cache.SetAsync(Key(sessionId), _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(new StoredTokens(tokens, clock.GetUtcNow()))),
            new DistributedCacheEntryOptions { AbsoluteExpiration = Later(tokens.RefreshTokenExpiresAt) }, cancellationToken);

    public Task RemoveAsync(string sessionId, CancellationToken cancellationToken = default) => cache.RemoveAsync(Key(sessionId), cancellationToken);

    private DateTimeOffset Later(DateTimeOffset expiresAt) => expiresAt > clock.GetUtcNow() ? expiresAt : clock.GetUtcNow().AddMinutes(1);

    private static string Key(string sessionId) => $"web:session:{sessionId}";
}
