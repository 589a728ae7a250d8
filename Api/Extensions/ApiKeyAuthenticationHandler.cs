using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Platform.Identity.ApiKeys;
using Platform.Identity.Tokens;

namespace Api.Extensions;

/// <summary>
/// Authenticates <c>Authorization: ApiKey bpk.…</c> (or <c>X-Api-Key</c>). The principal carries the
/// organization and exactly the permissions granted to the key, as <c>perm</c> claims.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>True when the request presents an API key (so the key scheme, not bearer, should judge it).</summary>
    public static bool Presents(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderName) ||
        request.Headers.Authorization.ToString().StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[HeaderName].ToString();
        if (presented.Length == 0)
        {
            var authorization = Request.Headers.Authorization.ToString();
            if (!authorization.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase))
            {
                return AuthenticateResult.NoResult();
            }

            presented = authorization[(SchemeName.Length + 1)..].Trim();
        }

        var keys = Context.RequestServices.GetRequiredService<ApiKeyService>();
        var result = await keys.AuthenticateAsync(presented, Context.Connection.RemoteIpAddress, Request.Headers.UserAgent.ToString(), Context.RequestAborted);
        if (!result.Succeeded)
        {
            return AuthenticateResult.Fail(result.Failure ?? "The API key is not valid.");
        }

        var claims = new List<Claim>
        {
            new(PlatformClaims.Tenant, result.TenantId.ToString()),
            new(PlatformClaims.ApiKey, result.KeyId.ToString()),
        };
        claims.AddRange(result.Permissions!.Select(p => new Claim(PlatformClaims.Permission, p)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}
