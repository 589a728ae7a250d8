namespace Platform.Email;

/// <summary>No platform template has this key (or not in this culture).</summary>
public sealed class EmailTemplateNotFoundException(string key, string? culture = null)
    : Exception(culture is null ? $"There is no email template '{key}'." : $"There is no email template '{key}' in '{culture}'.")
{
    public const string Code = "email_template_not_found";

    public string Key { get; } = key;
}

/// <summary>
/// A template could not be rendered: a required variable is missing (strict mode: never an empty string), a template
/// refers to something the model does not hold, or its source does not compile.
/// </summary>
public sealed class EmailTemplateException(string template, string message, IReadOnlyList<string>? missingVariables = null, Exception? inner = null)
    : Exception(message, inner)
{
    public string Template { get; } = template;

    /// <summary>The required variables the model lacked; empty for other failures.</summary>
    public IReadOnlyList<string> MissingVariables { get; } = missingVariables ?? [];
}
