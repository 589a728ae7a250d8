namespace Web.Preferences;

/// <summary>Light or dark, remembered in a cookie; unset follows the system's preference (CSS media query).</summary>
public static class Theme
{
    public const string CookieName = "bp.theme";

    public static string? Of(HttpContext context) =>
        context?.Request.Cookies[CookieName] is "dark" or "light" ? context.Request.Cookies[CookieName] : null;
}
