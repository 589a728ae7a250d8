using System.Globalization;

namespace Web.Preferences;

/// <summary>The languages of the interface, and how the reader's choice is remembered (a cookie read by request localization).</summary>
public static class UiCultures
{
    public const string Default = "en";

    public static IReadOnlyList<string> Supported { get; } = ["en", "ar", "fr"];

    /// <summary>Each language named in itself, as a reader looks for it.</summary>
    public static string NativeName(string culture) => culture switch
    {
        "ar" => "العربية",
        "fr" => "Français",
        _ => "English",
    };

    public static bool IsRightToLeft => CultureInfo.CurrentUICulture.TextInfo.IsRightToLeft;
}
