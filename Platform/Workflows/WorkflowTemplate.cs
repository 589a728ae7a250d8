using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Workflows;

/// <summary>
/// The templating of workflow strings: <c>{{ trigger.data.name }}</c>, <c>{{ steps.n1.output.status }}</c>,
/// <c>{{ vars.x }}</c>. A placeholder is a dotted path into the execution's data and nothing else: no
/// expressions, filters or calls, one pass only (a value that itself reads <c>{{ … }}</c> is left as text).
/// A path that leads nowhere renders as an empty string.
/// </summary>
public static class WorkflowTemplate
{
    /// <summary>Longest template accepted, and longest text one render may produce.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Deepest path followed (<c>a.b.c</c> is 3).</summary>
    public const int MaxPathDepth = 16;

    /// <summary>Renders <paramref name="template"/> against <paramref name="data"/>.</summary>
    /// <exception cref="WorkflowTemplateException">The template is too long, a placeholder is malformed, or the result is too long.</exception>
    public static string Render(string template, JsonNode? data)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Length > MaxLength)
        {
            throw new WorkflowTemplateException($"A template is at most {MaxLength} characters.");
        }

        var start = template.IndexOf("{{", StringComparison.Ordinal);
        if (start < 0)
        {
            return template;
        }

        var output = new StringBuilder(template.Length);
        var position = 0;
        while (start >= 0)
        {
            output.Append(template, position, start - position);
            var end = template.IndexOf("}}", start + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new WorkflowTemplateException("A placeholder '{{' is not closed with '}}'.");
            }

            var path = template[(start + 2)..end].Trim();
            output.Append(Text(Resolve(data, path)));
            if (output.Length > MaxLength)
            {
                throw new WorkflowTemplateException($"A rendered text is at most {MaxLength} characters.");
            }

            position = end + 2;
            start = template.IndexOf("{{", position, StringComparison.Ordinal);
        }

        output.Append(template, position, template.Length - position);
        return output.Length > MaxLength ? throw new WorkflowTemplateException($"A rendered text is at most {MaxLength} characters.") : output.ToString();
    }

    /// <summary>
    /// A copy of <paramref name="node"/> with every string rendered. A string that is exactly one placeholder keeps
    /// the value's JSON type (<c>"{{ trigger.data.amount }}"</c> stays a number).
    /// </summary>
    public static JsonNode? RenderNode(JsonNode? node, JsonNode? data) => node switch
    {
        null => null,
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, RenderNode(p.Value, data)))),
        JsonArray array => new JsonArray(array.Select(item => RenderNode(item, data)).ToArray()),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => RenderString(value.GetValue<string>(), data),
        _ => node.DeepClone(),
    };

    /// <summary>The value at a dotted path (<c>steps.n1.output.items.0.id</c>); null when it leads nowhere.</summary>
    /// <exception cref="WorkflowTemplateException">The path is malformed or too deep.</exception>
    public static JsonNode? Resolve(JsonNode? data, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Split('.');
        if (segments.Length > MaxPathDepth || !segments.All(IsSegment))
        {
            throw new WorkflowTemplateException($"'{Shorten(path)}' is not a path: use names of letters, digits, '_' or '-' joined by dots, at most {MaxPathDepth} deep.");
        }

        var current = data;
        foreach (var segment in segments)
        {
            current = current switch
            {
                JsonObject obj => obj.TryGetPropertyValue(segment, out var next) ? next : null,
                JsonArray array when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count => array[index],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private static JsonNode? RenderString(string text, JsonNode? data)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("{{", StringComparison.Ordinal) && trimmed.EndsWith("}}", StringComparison.Ordinal)
            && trimmed.IndexOf("{{", 2, StringComparison.Ordinal) < 0 && trimmed.Length >= 4)
        {
            return Resolve(data, trimmed[2..^2].Trim())?.DeepClone();
        }

        return JsonValue.Create(Render(text, data));
    }

    private static string Text(JsonNode? value) => value switch
    {
        null => string.Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static bool IsSegment(string segment) =>
        segment.Length is > 0 and <= 128 && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>A template or condition that cannot be evaluated; the step fails with this message.</summary>
public sealed class WorkflowTemplateException(string message) : Exception(message);
