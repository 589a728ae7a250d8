using System.Net.Http.Headers;

namespace Web.Session;

/// <summary>Puts the signed-in user's access token on every call of the authenticated Api clients.</summary>
public sealed class AccessTokenHandler(SessionTokens tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAccessTokenAsync(cancellationToken));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            // The Api no longer accepts this session (revoked from another device, or the user removed).
            response.Dispose();
            throw new SessionExpiredException();
        }

        return response;
    }
}
