using System.Globalization;

namespace Web.Clients;

/// <summary>
/// Calls to the Api are made on a reader's behalf: they carry the reader's browser (User-Agent,
/// shown in their session list), address (X-Forwarded-For, for an Api that trusts this front end
/// as a proxy) and language (Accept-Language, for the emails the Api sends them).
/// </summary>
public sealed class BrowserHeadersHandler(IHttpContextAccessor httpContext) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.AcceptLanguage.Clear();
        request.Headers.AcceptLanguage.ParseAdd(CultureInfo.CurrentUICulture.Name);
        if (httpContext.HttpContext is { } browser)
        {
            var userAgent = browser.Request.Headers.UserAgent.ToString();
            if (userAgent.Length > 0)
            {
                request.Headers.UserAgent.Clear();
                request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
            }

            if (browser.Connection.RemoteIpAddress is { } address)
            {
                request.Headers.Remove("X-Forwarded-For");
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}
