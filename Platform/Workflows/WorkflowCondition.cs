using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Workflows;

/// <summary>
/// Conditions as data, never code: <c>{"all":[…]}</c>, <c>{"any":[…]}</c>, <c>{"not":{…}}</c>, and comparisons
/// <c>{"path":"trigger.data.amount","op":"gt","value":100}</c> with ops eq, ne, gt, gte, lt, lte, contains, exists.
/// Numbers compare as numbers, other values by their JSON text; <c>contains</c> looks in a string or an array.
/// </summary>
public static class WorkflowCondition
{
    /// <summary>Nesting and size limits, so a hostile condition cannot exhaust the Worker.</summary>
    public const int MaxDepth = 16;

    public const int MaxTerms = 256;

    private static readonly string[] Ops = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "exists"];

    /// <summary>What is wrong with <paramref name="condition"/>; empty when it can be evaluated.</summary>
    public static IReadOnlyList<string> Validate(JsonNode? condition)
    {
        var errors = new List<string>();
        var terms = 0;
        Check(condition, 0, "condition", errors, ref terms);
        return errors;
    }

    /// <summary>Evaluates a valid condition against the execution's data.</summary>
    /// <exception cref="WorkflowTemplateException">The condition is not valid.</exception>
    public static bool Evaluate(JsonNode? condition, JsonNode? data)
    {
        if (Validate(condition) is { Count: > 0 } errors)
        {
            throw new WorkflowTemplateException(errors[0]);
        }

        return Eval(condition!.AsObject(), data);
    }

    private static bool Eval(JsonObject condition, JsonNode? data)
    {
        if (condition.TryGetPropertyValue("all", out var all))
        {
            return all!.AsArray().All(term => Eval(term!.AsObject(), data));
        }

        if (condition.TryGetPropertyValue("any", out var any))
        {
            return any!.AsArray().Any(term => Eval(term!.AsObject(), data));
        }

        if (condition.TryGetPropertyValue("not", out var not))
        {
            return !Eval(not!.AsObject(), data);
        }

        var actual = WorkflowTemplate.Resolve(data, condition["path"]!.GetValue<string>());
        condition.TryGetPropertyValue("value", out var expected);
        return condition["op"]!.GetValue<string>() switch
        {
            "exists" => actual is not null,
            "eq" => Same(actual, expected),
            "ne" => !Same(actual, expected),
            "gt" => Compare(actual, expected) is > 0,
            "gte" => Compare(actual, expected) is >= 0,
            "lt" => Compare(actual, expected) is < 0,
            "lte" => Compare(actual, expected) is <= 0,
            "contains" => Contains(actual, expected),
            _ => false,
        };
    }

    private static void Check(JsonNode? node, int depth, string at, List<string> errors, ref int terms)
    {
        if (++terms > MaxTerms)
        {
            errors.Add($"A condition has at most {MaxTerms} terms.");
            return;
        }

        if (depth > MaxDepth)
        {
            errors.Add($"{at}: conditions nest at most {MaxDepth} deep.");
            return;
        }

        if (node is not JsonObject obj)
        {
            errors.Add($"{at}: a condition is an object with all, any, not, or path and op.");
            return;
        }

        if (obj.Count == 1 && obj.TryGetPropertyValue("all", out var list) || obj.Count == 1 && obj.TryGetPropertyValue("any", out list))
        {
            if (list is not JsonArray { Count: > 0 } array)
            {
                errors.Add($"{at}: all/any take a non-empty array of conditions.");
                return;
            }

            for (var i = 0; i < array.Count; i++)
            {
                Check(array[i], depth + 1, $"{at}[{i}]", errors, ref terms);
            }

            return;
        }

        if (obj.Count == 1 && obj.TryGetPropertyValue("not", out var inner))
        {
            Check(inner, depth + 1, $"{at}.not", errors, ref terms);
            return;
        }

        var op = obj["op"] is JsonValue o && o.GetValueKind() == JsonValueKind.String ? o.GetValue<string>() : null;
        if (obj["path"] is not JsonValue p || p.GetValueKind() != JsonValueKind.String || op is null || !Ops.Contains(op)
            || obj.Any(property => property.Key is not ("path" or "op" or "value")))
        {
            errors.Add($"{at}: a comparison is {{\"path\", \"op\", \"value\"}} with op one of {string.Join(", ", Ops)}.");
            return;
        }

        try
        {
            WorkflowTemplate.Resolve(null, p.GetValue<string>());
        }
        catch (WorkflowTemplateException error)
        {
            errors.Add($"{at}: {error.Message}");
        }

        if (op != "exists" && !obj.ContainsKey("value"))
        {
            errors.Add($"{at}: '{op}' needs a value.");
        }
    }

    private static bool Same(JsonNode? actual, JsonNode? expected)
    {
        if (Number(actual) is { } a && Number(expected) is { } b)
        {
            return a == b;
        }

        return JsonNode.DeepEquals(actual, expected);
    }

    private static int? Compare(JsonNode? actual, JsonNode? expected)
    {
        if (Number(actual) is { } a && Number(expected) is { } b)
        {
            return a.CompareTo(b);
        }

        if (actual is JsonValue x && expected is JsonValue y && x.GetValueKind() == JsonValueKind.String && y.GetValueKind() == JsonValueKind.String)
        {
            return string.CompareOrdinal(x.GetValue<string>(), y.GetValue<string>());
        }

        // Incomparable values (a missing field, an object) make every ordering false.
        return null;
    }

    private static bool Contains(JsonNode? actual, JsonNode? expected) => actual switch
    {
        JsonArray array => array.Any(item => Same(item, expected)),
        JsonValue text when text.GetValueKind() == JsonValueKind.String && expected is JsonValue needle =>
            text.GetValue<string>().Contains(needle.GetValueKind() == JsonValueKind.String ? needle.GetValue<string>() : needle.ToJsonString(), StringComparison.Ordinal),
        _ => false,
    };

    private static decimal? Number(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.Number => decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null,
            _ => null,
        };
    }
}
