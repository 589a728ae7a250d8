using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TestKit;

/// <summary>
/// A stand-in for Microsoft Entra ID on 127.0.0.1 (Entra itself cannot be reached from tests): a tenant's
/// OpenID Connect metadata and signing keys (JWKS) at Entra's paths, and access tokens of managed identities
/// signed with its RSA key the way Entra signs them (RS256, <c>kid</c> in the header).
/// </summary>
public sealed class FakeEntra : IAsyncDisposable
{
    private static readonly JsonWebTokenHandler Handler = new();
    private readonly WebApplication _app;

    private FakeEntra(WebApplication app, Uri baseAddress, string tenantId, RsaSecurityKey key)
    {
        _app = app;
        TenantId = tenantId;
        SigningKey = key;
        Issuer = new Uri(baseAddress, $"{tenantId}/v2.0").AbsoluteUri;
        MetadataAddress = new Uri(baseAddress, $"{tenantId}/v2.0/.well-known/openid-configuration").AbsoluteUri;
    }

    public string TenantId { get; }

    /// <summary>The v2 issuer, as Entra names it: <c>&lt;authority&gt;/&lt;tenant&gt;/v2.0</c>.</summary>
    public string Issuer { get; }

    public string MetadataAddress { get; }

    /// <summary>The key whose public half the JWKS publishes.</summary>
    public RsaSecurityKey SigningKey { get; }

    public static async Task<FakeEntra> StartAsync()
    {
        var tenantId = Guid.NewGuid().ToString();
        var key = NewKey();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeEntra? entra = null;
        app.MapGet($"/{tenantId}/v2.0/.well-known/openid-configuration", (HttpContext context) =>
        {
            var authority = $"{context.Request.Scheme}://{context.Request.Host}/{tenantId}";
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = entra!.Issuer,
                ["jwks_uri"] = $"{authority}/discovery/v2.0/keys",
                ["token_endpoint"] = $"{authority}/oauth2/v2.0/token",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        app.MapGet($"/{tenantId}/discovery/v2.0/keys", () =>
        {
            var parameters = key.Rsa.ExportParameters(false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", kid = key.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) },
                },
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        entra = new FakeEntra(app, new Uri(address.TrimEnd('/') + "/"), tenantId, key);
        return entra;
    }

    /// <summary>An RSA key with a key id, for this Entra or for a forger.</summary>
    public static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };

    /// <summary>
    /// An app-only access token of a managed identity (<paramref name="principalId"/> as <c>oid</c>) for
    /// <paramref name="audience"/>, valid for an hour from <paramref name="issuedAt"/> (default now).
    /// </summary>
    public string AccessToken(string audience, string principalId, DateTime? issuedAt = null, SecurityKey? signedWith = null, IDictionary<string, object>? extraClaims = null)
    {
        var issued = issuedAt ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["oid"] = principalId,
            ["sub"] = principalId,
            ["tid"] = TenantId,
            ["azp"] = Guid.NewGuid().ToString(),
            ["idtyp"] = "app",
            ["ver"] = "2.0",
        };
        foreach (var (name, value) in extraClaims ?? new Dictionary<string, object>())
        {
            claims[name] = value;
        }

        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued.AddHours(1),
            SigningCredentials = new SigningCredentials(signedWith ?? SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SigningKey.Rsa.Dispose();
    }
}
