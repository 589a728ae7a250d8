using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Platform.Caching;
using Platform.Identity;
using Platform.Identity.Sessions;
using Platform.Identity.Tokens;

namespace Api.Extensions;

internal static class Authentication
{
    public const string PlatformScheme = "Platform";

    /// <summary>
    /// Bearer access tokens signed by the platform's rotating keys. A token whose session was
    /// revoked stops working at once (checked in Redis), not only when it expires.
    /// </summary>
    public static void AddPlatformAuthentication(this IHostApplicationBuilder builder)
    {
        // One default scheme that hands the request to the API-key handler when a key is presented,
        // and to bearer tokens otherwise.
        builder.Services.AddAuthentication(PlatformScheme)
            .AddPolicyScheme(PlatformScheme, "Bearer token or API key", options =>
                options.ForwardDefaultSelector = context => ApiKeyAuthenticationHandler.Presents(context.Request)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.TryAddSingleton<CachingTokenHandler>();
        builder.Services.AddSingleton<IConfigureOptions<JwtBearerOptions>>(provider =>
        {
            var identity = provider.GetRequiredService<IOptions<PlatformIdentityOptions>>().Value;
            var keys = provider.GetRequiredService<SigningKeyStore>();
            return new ConfigureNamedOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                // Keep "sub", "tid"... as issued instead of mapping them to long WS-* claim types.
                options.MapInboundClaims = false;
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(provider.GetRequiredService<CachingTokenHandler>());
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = identity.Issuer,
                    ValidAudience = identity.Audience,
                    ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                    IssuerSigningKeyResolver = (_, _, keyId, _) => keys.GetValidationKeys(keyId),
                    NameClaimType = PlatformClaims.Name,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                options.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async context =>
                    {
                        var sessionClaim = context.Principal?.FindFirst(PlatformClaims.Session)?.Value;
                        if (!Guid.TryParse(sessionClaim, out var sessionId))
                        {
                            context.Fail("The token names no session.");
                            return;
                        }

                        var redis = context.HttpContext.RequestServices.GetRequiredService<RedisClient>();
                        if (await SessionService.IsRevokedAsync(redis, sessionId, context.HttpContext.RequestAborted))
                        {
                            context.Fail("The session was revoked.");
                        }
                    },
                };
            });
        });
    }
}
