using System.Globalization;
using System.Text.Json;

namespace Platform.Email;

/// <summary>Turns template models into plain values Handlebars renders the same in every culture.</summary>
internal static class EmailModel
{
    /// <summary>A JSON object as a model: objects become dictionaries, arrays lists, numbers and booleans themselves.</summary>
    public static Dictionary<string, object?> FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A template model is a JSON object.");
        }

        return element.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value), StringComparer.Ordinal);
    }

    /// <summary>A value as templates see it: dates as <c>yyyy-MM-dd HH:mm UTC</c>, numbers invariant, JSON unwrapped.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        string or bool => value,
        DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        DateTime at => (at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : at).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Guid id => id.ToString(),
        JsonElement json => Value(json),
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => Normalize(p.Value), StringComparer.Ordinal),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => items.Cast<object?>().Select(Normalize).ToList(),
        _ => value.ToString(),
    };

    private static object? Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => FromJson(element),
        JsonValueKind.Array => element.EnumerateArray().Select(Value).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
