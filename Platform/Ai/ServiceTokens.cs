using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Ai;

/// <summary>
/// Short-lived HS256 tokens that say which service calls and on behalf of which organization
/// (<c>tid</c>); AiInference accepts nothing else.
/// </summary>
public sealed class ServiceTokens
{
    public const string TenantClaim = "tid";
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };
    private readonly ServiceTokenOptions _options;
    private readonly SymmetricSecurityKey _key;
    private readonly TokenValidationParameters _validation;

    public ServiceTokens(ServiceTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.SigningKey.Length < 32)
        {
            throw new InvalidOperationException("ServiceTokens:SigningKey must be set to a secret of at least 32 characters.");
        }

        _options = options;
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
        _validation = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>A token for a call on behalf of <paramref name="tenantId"/> (null: platform models only).</summary>
    public string Issue(Guid? tenantId, DateTimeOffset now)
    {
        var claims = new List<Claim> { new("sub", _options.Issuer) };
        if (tenantId is { } tenant)
        {
            claims.Add(new(TenantClaim, tenant.ToString()));
        }

        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + _options.Lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The organization a valid token acts for (null for platform-only), or failure with the reason.</summary>
    public async Task<(bool Valid, Guid? TenantId, string? Failure)> ValidateAsync(string token)
    {
        var result = await Handler.ValidateTokenAsync(token, _validation).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return (false, null, result.Exception?.GetType().Name ?? "invalid token");
        }

        if (result.Claims.TryGetValue(TenantClaim, out var tid))
        {
            return Guid.TryParse(tid as string, out var tenant) ? (true, tenant, null) : (false, null, "malformed tid claim");
        }

        return (true, null, null);
    }
}
