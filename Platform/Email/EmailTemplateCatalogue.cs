using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Platform.Email;

/// <summary>A platform email template: its key, what it is for, the variables it needs and a model that renders it.</summary>
/// <param name="Key">Lower snake_case, e.g. <c>password_reset</c>.</param>
/// <param name="Description">When the platform sends it.</param>
/// <param name="Variables">Required: rendering without one of them (or with null) is an error.</param>
/// <param name="OptionalVariables">May be left out; templates test them with <c>{{#if}}</c>.</param>
/// <param name="SampleModel">Values for every variable, for previews and tests.</param>
public sealed record EmailTemplateDefinition(
    string Key, string Description, IReadOnlyList<string> Variables, IReadOnlyList<string> OptionalVariables, IReadOnlyDictionary<string, object?> SampleModel)
{
    /// <summary>Every variable a template body may use: its own, required and optional, and <c>brand</c>.</summary>
    public IEnumerable<string> KnownVariables => Variables.Concat(OptionalVariables).Append(EmailTemplateCatalogue.BrandVariable);
}

/// <summary>The three parts of a template in one culture (Handlebars source).</summary>
public sealed record EmailTemplateContent(string Subject, string Html, string Text);

/// <summary>
/// The platform's default email templates, shipped as embedded resources (<c>Platform/Email/Templates</c>): one folder
/// per key with <c>template.json</c> (description, variables, optional variables, sample model) and, per culture,
/// <c>{culture}.subject</c>, <c>{culture}.html</c> and <c>{culture}.text</c>. <c>_layout/{culture}.html|.text</c> is
/// the branded frame every body is rendered into.
/// </summary>
public sealed class EmailTemplateCatalogue
{
    /// <summary>The variable that carries the organization's branding: <c>brand.name</c>, <c>brand.logoUrl</c>, <c>brand.primaryColor</c>.</summary>
    public const string BrandVariable = "brand";

    private const string Prefix = "email/";

    /// <summary>The cultures every template exists in; the first is the fallback.</summary>
    public static IReadOnlyList<string> Cultures { get; } = ["en", "ar", "fr"];

    /// <summary>Cultures written right to left.</summary>
    public static IReadOnlySet<string> RightToLeft { get; } = new HashSet<string>(StringComparer.Ordinal) { "ar" };

    private readonly FrozenDictionary<string, EmailTemplateDefinition> _definitions;
    private readonly FrozenDictionary<(string Key, string Culture), EmailTemplateContent> _contents;

    private EmailTemplateCatalogue(IEnumerable<EmailTemplateDefinition> definitions, Dictionary<(string, string), EmailTemplateContent> contents)
    {
        _definitions = definitions.ToFrozenDictionary(d => d.Key, StringComparer.Ordinal);
        _contents = contents.ToFrozenDictionary();
        All = [.. _definitions.Values.OrderBy(d => d.Key, StringComparer.Ordinal)];
    }

    /// <summary>The templates shipped with the platform, read once from this assembly.</summary>
    public static EmailTemplateCatalogue Default { get; } = Load(typeof(EmailTemplateCatalogue).Assembly);

    /// <summary>Every template, by key.</summary>
    public IReadOnlyList<EmailTemplateDefinition> All { get; }

    public EmailTemplateDefinition? Find(string key) => key is null ? null : _definitions.GetValueOrDefault(key);

    /// <summary>The default content of <paramref name="key"/> in <paramref name="culture"/> (one of <see cref="Cultures"/>).</summary>
    public EmailTemplateContent Content(string key, string culture) =>
        _contents.TryGetValue((key, culture), out var content) ? content : throw new EmailTemplateNotFoundException(key, culture);

    /// <summary>The branded frame in <paramref name="culture"/> (its subject is empty).</summary>
    public EmailTemplateContent Layout(string culture) => Content("_layout", culture);

    /// <summary>The supported culture closest to <paramref name="culture"/> (<c>fr-CA</c> → <c>fr</c>), or null.</summary>
    public static string? Match(string? culture)
    {
        if (string.IsNullOrWhiteSpace(culture))
        {
            return null;
        }

        var name = culture.Trim().ToLowerInvariant();
        var dash = name.IndexOfAny(['-', '_']);
        var language = dash > 0 ? name[..dash] : name;
        return Cultures.FirstOrDefault(c => c == language);
    }

    /// <summary>Reads the templates embedded in <paramref name="assembly"/>; a template missing a part or a culture fails here.</summary>
    public static EmailTemplateCatalogue Load(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var keys = names.Select(n => n[Prefix.Length..].Split('/')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var definitions = new List<EmailTemplateDefinition>();
        var contents = new Dictionary<(string, string), EmailTemplateContent>();
        foreach (var key in keys)
        {
            var isLayout = key == "_layout";
            if (!isLayout)
            {
                using var meta = JsonDocument.Parse(Read(assembly, names, $"{Prefix}{key}/template.json"));
                var root = meta.RootElement;
                definitions.Add(new EmailTemplateDefinition(
                    key,
                    root.GetProperty("description").GetString()!,
                    [.. root.GetProperty("variables").EnumerateArray().Select(v => v.GetString()!)],
                    [.. root.GetProperty("optional").EnumerateArray().Select(v => v.GetString()!)],
                    EmailModel.FromJson(root.GetProperty("sample"))));
            }

            foreach (var culture in Cultures)
            {
                contents[(key, culture)] = new EmailTemplateContent(
                    isLayout ? string.Empty : Read(assembly, names, $"{Prefix}{key}/{culture}.subject").Trim(),
                    Read(assembly, names, $"{Prefix}{key}/{culture}.html"),
                    Read(assembly, names, $"{Prefix}{key}/{culture}.text"));
            }
        }

        return new EmailTemplateCatalogue(definitions, contents);
    }

    private static string Read(Assembly assembly, HashSet<string> names, string name)
    {
        if (!names.Contains(name))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The email template resource '{name}' is missing."));
        }

        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
