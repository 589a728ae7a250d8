using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;

namespace Web.Preferences;

/// <summary>Plain form posts that remember the language and theme, then return to the page the reader was on.</summary>
public static class PreferenceEndpoints
{
    private static readonly TimeSpan Remembered = TimeSpan.FromDays(365);

    public static IEndpointRouteBuilder MapPreferenceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/preferences/culture", SetCulture).WithName("SetCulture");
        app.MapPost("/preferences/theme", SetTheme).WithName("SetTheme");
        return app;
    }

    private static IResult SetCulture(HttpContext context, [FromForm] string culture, [FromForm] string? returnUrl)
    {
        if (UiCultures.Supported.Contains(culture))
        {
            context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)), Cookie(context));
        }

        return Back(returnUrl);
    }

    private static IResult SetTheme(HttpContext context, [FromForm] string theme, [FromForm] string? returnUrl)
    {
        if (theme is "dark" or "light")
        {
            context.Response.Cookies.Append(Theme.CookieName, theme, Cookie(context));
        }

        return Back(returnUrl);
    }

    private static CookieOptions Cookie(HttpContext context) =>
        new() { MaxAge = Remembered, HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, IsEssential = true, Path = "/" };

    /// <summary>Only a local path: an open redirect would let a link send readers anywhere.</summary>
    internal static IResult Back(string? returnUrl) =>
        Results.LocalRedirect(LocalPath(returnUrl));

    internal static string LocalPath(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}
