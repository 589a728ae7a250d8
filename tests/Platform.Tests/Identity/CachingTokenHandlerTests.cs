using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Identity.Tokens;

namespace Platform.Tests.Identity;

/// <summary>The access-token check that skips the signature verification for a token it has already accepted.</summary>
[TestClass]
public sealed class CachingTokenHandlerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [TestMethod]
    public async Task A_remembered_token_gives_each_request_its_own_identity()
    {
        var (handler, parameters, _, token) = Arrange(lifetime: TimeSpan.FromMinutes(15));

        var first = await handler.ValidateTokenAsync(token, parameters);
        first.ClaimsIdentity.AddClaim(new Claim("added-by", "request one"));
        var second = await handler.ValidateTokenAsync(token, parameters);

        Assert.IsTrue(first.IsValid && second.IsValid);
        Assert.AreNotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.IsNull(second.ClaimsIdentity.FindFirst("added-by"), "one request's changes do not reach the next");
        Assert.AreEqual("user-1", second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.AreEqual("Ada", second.ClaimsIdentity.Name);
    }

    [TestMethod]
    public async Task A_remembered_token_is_refused_once_it_expires()
    {
        var (handler, parameters, clock, token) = Arrange(lifetime: TimeSpan.FromSeconds(30));
        Assert.IsTrue((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        clock.Now = Start.AddSeconds(31);

        Assert.IsFalse((await handler.ValidateTokenAsync(token, parameters)).IsValid);
    }

    [TestMethod]
    public async Task Only_the_exact_token_is_remembered()
    {
        var (handler, parameters, _, token) = Arrange(lifetime: TimeSpan.FromMinutes(15));
        Assert.IsTrue((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        // Same header and claims, another signature.
        var forged = token[..token.LastIndexOf('.')] + ".AAAA" + token[(token.LastIndexOf('.') + 5)..];

        Assert.IsFalse((await handler.ValidateTokenAsync(forged, parameters)).IsValid);
    }

    private static (CachingTokenHandler Handler, TokenValidationParameters Parameters, SettableClock Clock, string Token) Arrange(TimeSpan lifetime)
    {
        var clock = new SettableClock { Now = Start };
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "k1" };
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "platform",
            Audience = "api",
            Subject = new ClaimsIdentity([new Claim("sub", "user-1"), new Claim("name", "Ada")]),
            IssuedAt = Start.UtcDateTime,
            NotBefore = Start.UtcDateTime,
            Expires = (Start + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = "platform",
            ValidAudience = "api",
            IssuerSigningKey = key,
            NameClaimType = "name",
            // Lifetime judged by the test's clock, like the cache.
            LifetimeValidator = (notBefore, expires, _, _) => notBefore <= clock.Now.UtcDateTime && clock.Now.UtcDateTime < expires,
        };
        return (new CachingTokenHandler(clock), parameters, clock, token);
    }

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
