using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Identity.Tokens;

/// <summary>Claim names in the platform's access tokens.</summary>
public static class PlatformClaims
{
    public const string Subject = "sub";
    public const string Tenant = "tid";
    public const string Session = "sid";
    public const string Email = "email";
    public const string Name = "name";

    /// <summary>How the user proved who they are: <c>pwd</c>, plus <c>mfa</c> after a second factor.</summary>
    public const string AuthenticationMethod = "amr";

    /// <summary>On API-key principals: the key's id and each permission it was granted.</summary>
    public const string ApiKey = "api_key";
    public const string Permission = "perm";
}

/// <summary>Issues short-lived JWT access tokens (ES256, with the signing key's id).</summary>
public sealed class AccessTokenIssuer(SigningKeyStore keys, IOptions<PlatformIdentityOptions> options, TimeProvider clock)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(
        Guid userId, Guid tenantId, Guid sessionId, string? email, string? name, bool usedSecondFactor, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var expires = now + options.Value.AccessTokenLifetime;
        var claims = new List<Claim>
        {
            new(PlatformClaims.Subject, userId.ToString()),
            new(PlatformClaims.Tenant, tenantId.ToString()),
            new(PlatformClaims.Session, sessionId.ToString()),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            new(PlatformClaims.AuthenticationMethod, "pwd"),
        };
        if (usedSecondFactor)
        {
            claims.Add(new(PlatformClaims.AuthenticationMethod, "mfa"));
        }

        if (email is not null)
        {
            claims.Add(new(PlatformClaims.Email, email));
        }

        if (name is not null)
        {
            claims.Add(new(PlatformClaims.Name, name));
        }

        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = await keys.GetSigningCredentialsAsync(cancellationToken).ConfigureAwait(false),
        });
        return (token, expires);
    }
}
