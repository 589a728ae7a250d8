using Platform.Email;

namespace Api.Extensions;

/// <summary>The caller's language (<c>Accept-Language</c>) for the emails a request sends: en, ar or fr, else the default.</summary>
internal static class RequestCulture
{
    public static IApplicationBuilder UseEmailCulture(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            EmailCulture.Current = EmailCulture.FromAcceptLanguage(context.Request.Headers.AcceptLanguage.ToString());
            await next(context);
        });
}
