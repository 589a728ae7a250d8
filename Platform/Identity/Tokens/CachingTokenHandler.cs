using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Identity.Tokens;

/// <summary>
/// Validates access tokens like <see cref="JsonWebTokenHandler"/>, and remembers a token that passed for up to
/// <see cref="MaxAge"/> (never past its expiry), so a client sending the same token on every request pays for
/// the signature check (an ECDSA verification) once a minute instead of every time.
/// </summary>
/// <remarks>
/// Only successes are remembered, keyed by the exact token text. <see cref="MaxAge"/> matches how often
/// <see cref="SigningKeyStore"/> reloads keys, so a retired key stops validating on the same schedule as
/// without the cache. What must apply at once (a revoked session) is checked per request after validation,
/// outside this cache. Each hit gets its own <see cref="ClaimsIdentity"/>, so one request cannot change another's.
/// </remarks>
public sealed class CachingTokenHandler(TimeProvider clock) : JsonWebTokenHandler
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    // Bounded: past this many distinct live tokens the cache starts over (a flood of tokens costs verifications, not memory).
    private const int MaxEntries = 50_000;

    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var now = clock.GetUtcNow();
        if (token is not null && _validated.TryGetValue(token, out var hit))
        {
            if (now < hit.Until)
            {
                return hit.ToResult();
            }

            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (result.IsValid && token is not null && result.SecurityToken is JsonWebToken jwt && result.ClaimsIdentity is { } identity)
        {
            if (_validated.Count >= MaxEntries)
            {
                _validated.Clear();
            }

            var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
            var until = expires < now + MaxAge ? expires : now + MaxAge;
            _validated[token] = new Validated(jwt, [.. identity.Claims.Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer))], identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType, until);
        }

        return result;
    }

    private sealed record Validated(JsonWebToken Token, Claim[] Claims, string? AuthenticationType, string NameType, string RoleType, DateTimeOffset Until)
    {
        public TokenValidationResult ToResult() => new()
        {
            IsValid = true,
            SecurityToken = Token,
            TokenType = Token.Typ,
            Issuer = Token.Issuer,
            ClaimsIdentity = new ClaimsIdentity(Claims, AuthenticationType, NameType, RoleType),
        };
    }
}
