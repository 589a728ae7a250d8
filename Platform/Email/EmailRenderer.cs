using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using HandlebarsDotNet;

namespace Platform.Email;

/// <summary>An organization's look in its emails; missing or unsafe values fall back to the platform's.</summary>
/// <param name="Name">Shown in the header, subjects and the footer.</param>
/// <param name="LogoUrl">An absolute http(s) image URL, or null for the name in text.</param>
/// <param name="PrimaryColor">#rrggbb, for the header and buttons.</param>
public sealed record EmailBrand(string Name, string? LogoUrl, string PrimaryColor)
{
    /// <summary>The platform's colour when none (or an unsafe one) is set.</summary>
    public const string DefaultColor = "#2563eb";

    /// <summary>The brand with only safe values: an absolute http(s) logo URL without quotes or spaces, a #rrggbb colour.</summary>
    public EmailBrand Sanitized() => new(Name ?? string.Empty, SafeUrl(LogoUrl), SafeColor(PrimaryColor) ?? DefaultColor);

    internal static string? SafeUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !url.Any(c => c is '"' or '<' or '>' or '\'' or '(' or ')' || char.IsWhiteSpace(c)) ? url : null;

    internal static string? SafeColor(string? color) =>
        color is { Length: 7 } && color[0] == '#' && color.Skip(1).All(char.IsAsciiHexDigit) ? color : null;
}

/// <summary>A rendered email: subject (plain text), HTML document and plain-text part.</summary>
public sealed record RenderedEmail(string Subject, string Html, string Text);

/// <summary>
/// Renders templates with Handlebars in strict mode: every variable a template uses must be in the model (a missing
/// one is an error, never an empty string), and every declared required variable must be given and not null. The
/// subject and HTML body are rendered into the culture's branded layout. HTML escapes every value (Handlebars'
/// default, kept); the subject and the text part are not escaped.
/// </summary>
public sealed partial class EmailRenderer
{
    private const int MaxCachedTemplates = 2000;

    private static readonly HashSet<string> BrandMembers = new HashSet<string>(StringComparer.Ordinal) { "name", "logoUrl", "primaryColor" };
    private static readonly HashSet<string> BlockHelpers = new HashSet<string>(StringComparer.Ordinal) { "if", "unless", "each", "with" };

    private readonly IHandlebars _html = Handlebars.Create(new HandlebarsConfiguration { ThrowOnUnresolvedBindingExpression = true });
    private readonly IHandlebars _plain = Handlebars.Create(new HandlebarsConfiguration { ThrowOnUnresolvedBindingExpression = true, NoEscape = true });
    private readonly ConcurrentDictionary<(bool Html, string Source), HandlebarsTemplate<object, object>> _compiled = new();

    public EmailRenderer(EmailTemplateCatalogue catalogue) => Catalogue = catalogue ?? throw new ArgumentNullException(nameof(catalogue));

    public EmailTemplateCatalogue Catalogue { get; }

    /// <summary>Renders <paramref name="content"/> (the default, or an organization's version) of <paramref name="definition"/>.</summary>
    /// <exception cref="EmailTemplateException">A required variable is missing or null, or the template uses one the model lacks.</exception>
    public RenderedEmail Render(EmailTemplateDefinition definition, EmailTemplateContent content, string culture, EmailBrand brand, IReadOnlyDictionary<string, object?> model)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(brand);
        ArgumentNullException.ThrowIfNull(model);
        brand = brand.Sanitized();
        var missing = definition.Variables.Where(v => !model.TryGetValue(v, out var value) || EmailModel.Normalize(value) is null).ToList();
        if (missing.Count > 0)
        {
            throw new EmailTemplateException(
                definition.Key,
                string.Create(CultureInfo.InvariantCulture, $"The email template '{definition.Key}' needs {string.Join(", ", missing)}; the model has {(model.Count == 0 ? "no values" : string.Join(", ", model.Keys.Order(StringComparer.Ordinal)))}."),
                missing);
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var optional in definition.OptionalVariables)
        {
            values[optional] = null;
        }

        foreach (var (name, value) in model)
        {
            values[name] = EmailModel.Normalize(value);
        }

        var brandValues = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = brand.Name,
            ["logoUrl"] = brand.LogoUrl,
            ["primaryColor"] = brand.PrimaryColor,
        };
        values[EmailTemplateCatalogue.BrandVariable] = brandValues;

        var subject = OneLine(Run(definition.Key, culture, "subject", html: false, content.Subject, values));
        var htmlBody = Run(definition.Key, culture, "html", html: true, content.Html, values);
        var textBody = Run(definition.Key, culture, "text", html: false, content.Text, values);
        var layout = Catalogue.Layout(culture);
        var frame = new Dictionary<string, object?>(StringComparer.Ordinal) { ["brand"] = brandValues, ["subject"] = subject, ["body"] = htmlBody };
        var html = Run("_layout", culture, "html", html: true, layout.Html, frame);
        frame["body"] = textBody.TrimEnd() + "\n";
        var text = Run("_layout", culture, "text", html: false, layout.Text, frame);
        return new RenderedEmail(subject, html, text);
    }

    /// <summary>
    /// Checks an organization's version of a template before it is saved: each part given must compile, use only the
    /// template's variables (and <c>brand.name</c>, <c>brand.logoUrl</c>, <c>brand.primaryColor</c>), no raw
    /// <c>{{{ }}}</c> output in HTML, and render with the sample model. Returns the problems per part (subject, html, text); empty when valid.
    /// </summary>
    public IReadOnlyDictionary<string, string[]> Validate(EmailTemplateDefinition definition, string? subject, string? html, string? text)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var known = definition.KnownVariables.ToHashSet(StringComparer.Ordinal);
        foreach (var (part, source, isHtml) in new[] { ("subject", subject, false), ("html", html, true), ("text", text, false) })
        {
            if (source is null)
            {
                continue;
            }

            var problems = new List<string>();
            if (isHtml && source.Contains("{{{", StringComparison.Ordinal))
            {
                problems.Add("Raw output ({{{ }}}) is not allowed in HTML: use {{name}}, which escapes the value.");
            }

            var (unknown, helpers) = References(source, known);
            if (helpers.Count > 0)
            {
                problems.Add($"Unknown helper(s): {string.Join(", ", helpers)}. Use #if, #unless, #each or #with.");
            }

            if (unknown.Count > 0)
            {
                problems.Add($"Unknown variable(s) for '{definition.Key}': {string.Join(", ", unknown)}. Known: {string.Join(", ", definition.Variables.Concat(definition.OptionalVariables))}, brand.name, brand.logoUrl, brand.primaryColor.");
            }

            if (problems.Count == 0)
            {
                try
                {
                    var values = definition.SampleModel.ToDictionary(p => p.Key, p => EmailModel.Normalize(p.Value), StringComparer.Ordinal);
                    values[EmailTemplateCatalogue.BrandVariable] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = "Brand", ["logoUrl"] = null, ["primaryColor"] = "#000000" };
                    Compile(isHtml, source)(values);
                }
                catch (Exception error) when (error is HandlebarsException or HandlebarsDotNet.Compiler.HandlebarsUndefinedBindingException or EmailTemplateException)
                {
                    problems.Add("The template does not render: " + FirstLine(error.Message));
                }
            }

            if (problems.Count > 0)
            {
                errors[part] = [.. problems];
            }
        }

        return errors;
    }

    private string Run(string key, string culture, string part, bool html, string source, Dictionary<string, object?> values)
    {
        try
        {
            return Compile(html, source)(values);
        }
        catch (Exception error) when (error is HandlebarsException or HandlebarsDotNet.Compiler.HandlebarsUndefinedBindingException)
        {
            throw new EmailTemplateException(key, string.Create(CultureInfo.InvariantCulture, $"The email template '{key}' ({culture}, {part}) does not render: {FirstLine(error.Message)}"), inner: error);
        }
    }

    private HandlebarsTemplate<object, object> Compile(bool html, string source)
    {
        if (_compiled.TryGetValue((html, source), out var template))
        {
            return template;
        }

        template = (html ? _html : _plain).Compile(source);
        if (_compiled.Count >= MaxCachedTemplates)
        {
            // Organizations' versions come and go; the defaults are compiled again on their next use.
            _compiled.Clear();
        }

        _compiled[(html, source)] = template;
        return template;
    }

    /// <summary>The variables a template refers to that are not known, and helpers that do not exist.</summary>
    private static (List<string> Unknown, List<string> Helpers) References(string source, HashSet<string> known)
    {
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        var helpers = new SortedSet<string>(StringComparer.Ordinal);
        var eachDepth = 0;
        foreach (Match match in Mustache().Matches(source))
        {
            var kind = match.Groups["kind"].Value;
            var tokens = match.Groups["body"].Value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (kind == "!" || tokens.Length == 0)
            {
                continue;
            }

            if (kind == "/")
            {
                if (tokens[0] == "each" && eachDepth > 0)
                {
                    eachDepth--;
                }

                continue;
            }

            IEnumerable<string> paths = tokens;
            if (kind is "#" or "^")
            {
                if (!BlockHelpers.Contains(tokens[0]))
                {
                    helpers.Add(tokens[0]);
                    continue;
                }

                paths = tokens.Skip(1);
                if (tokens[0] == "each")
                {
                    // Inside #each the items are the context: check the list itself, not what is read from its items.
                    CheckPaths(paths);
                    eachDepth++;
                    continue;
                }
            }
            else if (kind == ">")
            {
                helpers.Add(">" + tokens[0]);
                continue;
            }
            else if (tokens.Length > 1)
            {
                helpers.Add(tokens[0]);
                continue;
            }
            else if (tokens[0] == "else")
            {
                continue;
            }

            if (eachDepth == 0)
            {
                CheckPaths(paths);
            }
        }

        return ([.. unknown], [.. helpers]);

        void CheckPaths(IEnumerable<string> paths)
        {
            foreach (var raw in paths)
            {
                if (raw.StartsWith('"') || raw.StartsWith('\'') || double.TryParse(raw, CultureInfo.InvariantCulture, out _) || raw is "true" or "false" or "null" or "this" || raw.StartsWith('@'))
                {
                    continue;
                }

                var path = raw.StartsWith("this.", StringComparison.Ordinal) ? raw[5..] : raw;
                var segments = path.Split(['.', '/']);
                if (!known.Contains(segments[0]))
                {
                    unknown.Add(path);
                }
                else if (segments[0] == EmailTemplateCatalogue.BrandVariable && (segments.Length != 2 || !BrandMembers.Contains(segments[1])))
                {
                    unknown.Add(path);
                }
            }
        }
    }

    private static string OneLine(string text) => WhiteSpace().Replace(text, " ").Trim();

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    [GeneratedRegex(@"\{\{\{?~?\s*(?<kind>[#/^>!&]?)(?<body>[^}]*?)~?\s*\}\}\}?")]
    private static partial Regex Mustache();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
