using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Platform.Ai;

namespace AiInference.Serving;

/// <summary>
/// The Azure mode: the caller presents an Entra access token of its managed identity for AiInference's app
/// registration. The token must be signed (RS256) by one of the tenant's keys from its OpenID Connect metadata,
/// be from the tenant's issuer, for <c>ServiceTokens:EntraAudience</c>, current, and app-only; its <c>oid</c>
/// (or <c>azp</c>/<c>appid</c>) must be in <c>ServiceTokens:AllowedCallers</c>. Only then is the
/// <c>X-Acting-Organization</c> header believed: any identity of the tenant can get a token for the audience.
/// </summary>
internal sealed partial class EntraCallerCheck : ServiceCallerCheck
{
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };
    // A managed identity's principal id (oid), or the client id its token names (azp in v2, appid in v1).
    private static readonly string[] CallerClaims = ["oid", "azp", "appid"];
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _metadata;
    private readonly string[] _audiences;
    private readonly string? _v1Issuer;
    private readonly HashSet<string> _allowedCallers;
    private readonly ILogger<EntraCallerCheck> _logger;

    public EntraCallerCheck(IOptions<ServiceTokenOptions> options, IConfiguration configuration, ILogger<EntraCallerCheck> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = options.Value;
        var tenantId = settings.EntraTenantId.Length > 0 ? settings.EntraTenantId : configuration["AZURE_TENANT_ID"] ?? "";
        // Keys and metadata are fetched once and refreshed daily (and on an unknown key id, see CheckAsync).
        _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
            settings.EntraMetadataAddressFor(tenantId),
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = settings.EntraRequireHttps });
        _audiences = AudiencesOf(settings.EntraAudience);
        // An app registration that keeps the default token version gets v1 tokens, issued by sts.windows.net.
        _v1Issuer = tenantId.Length > 0 ? $"https://sts.windows.net/{tenantId}/" : null;
        _allowedCallers = new HashSet<string>(settings.AllowedCallers.Where(c => c.Length > 0), StringComparer.OrdinalIgnoreCase);
        _logger = logger;
    }

    public override async Task<ServiceCallerResult> CheckAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (BearerToken(request) is not { } token)
        {
            return Refuse("an Entra access token of an allowed service is required (Authorization: Bearer)");
        }

        var validated = await ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        if (validated.Failure is { } failure)
        {
            return Refuse(failure);
        }

        var claims = validated.Claims!;
        if (claims.ContainsKey("scp"))
        {
            return Refuse("the token was issued to a signed-in user (it has scp); only a service's own identity may call");
        }

        if (!CallerClaims.Any(claim => claims.TryGetValue(claim, out var value) && value is string id && _allowedCallers.Contains(id)))
        {
            return Refuse($"the caller (oid {(claims.TryGetValue("oid", out var oid) ? oid : "none")}) is not in ServiceTokens:AllowedCallers");
        }

        var acting = request.Headers[ServiceTokenOptions.ActingOrganizationHeader];
        if (acting.Count == 0)
        {
            return ServiceCallerResult.Allowed(null);
        }

        return acting.Count == 1 && Guid.TryParse(acting[0], out var tenant)
            ? ServiceCallerResult.Allowed(tenant)
            : ServiceCallerResult.BadRequest($"{ServiceTokenOptions.ActingOrganizationHeader} must be one organization id");
    }

    private async Task<(IDictionary<string, object>? Claims, string? Failure)> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            OpenIdConnectConfiguration metadata;
            try
            {
                metadata = await _metadata.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                // The library wraps every retrieval failure (unreachable, not https, bad JSON) in this exception.
                LogMetadataUnavailable(_logger, ex);
                return (null, "the issuer's signing keys could not be fetched; try again shortly");
            }

            var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuers = _v1Issuer is null ? [metadata.Issuer] : [metadata.Issuer, _v1Issuer],
                ValidAudiences = _audiences,
                IssuerSigningKeys = metadata.SigningKeys,
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromMinutes(1),
            }).ConfigureAwait(false);
            if (result.IsValid)
            {
                return (result.Claims, null);
            }

            // Entra rolls its keys: a key id not seen yet asks for fresh metadata once (the library rate-limits it).
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException && attempt == 0)
            {
                _metadata.RequestRefresh();
                continue;
            }

            return (null, Reason(result.Exception));
        }
    }

    private static string Reason(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenInvalidAudienceException => "the token is for another audience than ServiceTokens:EntraAudience",
        SecurityTokenInvalidIssuerException => "the token is from another issuer or tenant",
        SecurityTokenInvalidAlgorithmException => "the token is not signed with RS256",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature does not match the issuer's signing keys",
        SecurityTokenMalformedException => "the token is not a well-formed JWT",
        _ => "the token is not valid",
    };

    /// <summary><c>api://&lt;app id&gt;</c> and the bare app id name the same registration; v2 tokens carry the app id.</summary>
    private static string[] AudiencesOf(string audience)
    {
        const string scheme = "api://";
        var trimmed = audience.TrimEnd('/');
        if (trimmed.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && Guid.TryParse(trimmed[scheme.Length..], out var appId))
        {
            return [trimmed, appId.ToString()];
        }

        return Guid.TryParse(trimmed, out var bare) ? [trimmed, scheme + bare] : [trimmed];
    }

    private ServiceCallerResult Refuse(string reason)
    {
        LogRefused(_logger, reason);
        return ServiceCallerResult.Unauthorized(reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a model call: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not fetch the Entra OpenID Connect metadata; every model call is refused until it can")]
    private static partial void LogMetadataUnavailable(ILogger logger, Exception exception);
}
