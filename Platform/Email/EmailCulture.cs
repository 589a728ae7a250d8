namespace Platform.Email;

/// <summary>
/// The culture emails sent in the current flow speak when their request names none: set by the Api from the caller's
/// <c>Accept-Language</c> for the request. Flows without one (the Workers) use <see cref="EmailOptions.DefaultCulture"/>.
/// </summary>
public static class EmailCulture
{
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>One of <see cref="EmailTemplateCatalogue.Cultures"/>, or null.</summary>
    public static string? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = EmailTemplateCatalogue.Match(value);
    }

    /// <summary>The best supported culture of an <c>Accept-Language</c> header (quality order), or null.</summary>
    public static string? FromAcceptLanguage(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        return header.Split(',')
            .Select((part, index) =>
            {
                var pieces = part.Split(';', StringSplitOptions.TrimEntries);
                var quality = 1.0;
                foreach (var parameter in pieces.Skip(1))
                {
                    if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                        && double.TryParse(parameter[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var q))
                    {
                        quality = q;
                    }
                }

                return (Culture: EmailTemplateCatalogue.Match(pieces[0]), Quality: quality, Index: index);
            })
            .Where(c => c.Culture is not null && c.Quality > 0)
            .OrderByDescending(c => c.Quality).ThenBy(c => c.Index)
            .Select(c => c.Culture)
            .FirstOrDefault();
    }
}
