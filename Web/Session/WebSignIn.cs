using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Web.Clients;

namespace Web.Session;

/// <summary>Starts and ends browser sessions: tokens into <see cref="TokenStore"/>, a session id and display claims into the cookie.</summary>
public sealed class WebSignIn(TokenStore store, IHttpClientFactory httpClients, IHttpContextAccessor httpContext)
{
    /// <summary>The named HttpClient for the Api without a session's token (the new tokens are set by hand).</summary>
    public const string BareApiClient = "api-bare";

    /// <summary>Signs the browser in with tokens the Api just issued; returns false when the Api would not describe the account.</summary>
    public async Task<bool> StartAsync(TokenPair tokens, CancellationToken cancellationToken = default)
    {
        var context = httpContext.HttpContext ?? throw new InvalidOperationException("Signing in needs an HTTP request.");
        var account = await DescribeAsync(tokens.AccessToken, cancellationToken);
        if (account is null)
        {
            return false;
        }

        var previous = context.User.FindFirstValue(SessionClaims.SessionId);
        if (previous is not null)
        {
            await store.RemoveAsync(previous, cancellationToken);
        }

        var sessionId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await store.SaveAsync(sessionId, tokens, cancellationToken);
        var identity = new ClaimsIdentity(
            [
                new Claim(SessionClaims.SessionId, sessionId),
                new Claim(SessionClaims.UserId, account.UserId.ToString()),
                new Claim(SessionClaims.Name, string.IsNullOrWhiteSpace(account.DisplayName) ? account.Email ?? "" : account.DisplayName),
                new Claim(SessionClaims.Email, account.Email ?? ""),
                new Claim(SessionClaims.OrganizationId, account.OrganizationId.ToString()),
            ],
            SessionClaims.Scheme, SessionClaims.Name, null);
        await context.SignInAsync(SessionClaims.Scheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = false, ExpiresUtc = tokens.RefreshTokenExpiresAt });
        return true;
    }

    /// <summary>Shows a new display name from the next page on, keeping the session.</summary>
    public async Task RenameAsync(string displayName)
    {
        var context = httpContext.HttpContext ?? throw new InvalidOperationException("Renaming needs an HTTP request.");
        var result = await context.AuthenticateAsync(SessionClaims.Scheme);
        if (result.Principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        if (identity.FindFirst(SessionClaims.Name) is { } old)
        {
            identity.RemoveClaim(old);
        }

        identity.AddClaim(new Claim(SessionClaims.Name, displayName));
        await context.SignInAsync(SessionClaims.Scheme, result.Principal, result.Properties);
    }

    /// <summary>Ends the session at the Api (best effort), forgets its tokens and clears the cookie.</summary>
    public async Task EndAsync(AccountClient account, CancellationToken cancellationToken = default)
    {
        var context = httpContext.HttpContext ?? throw new InvalidOperationException("Signing out needs an HTTP request.");
        if (context.User.FindFirstValue(SessionClaims.SessionId) is { } sessionId)
        {
            try
            {
                await account.LogoutAsync(cancellationToken);
            }
            catch (SessionExpiredException)
            {
                // Already over at the Api.
            }

            await store.RemoveAsync(sessionId, cancellationToken);
        }

        await context.SignOutAsync(SessionClaims.Scheme);
    }

    private async Task<Account?> DescribeAsync(string accessToken, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(BareApiClient);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/account", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<Account>(cancellationToken) : null;
    }
}
