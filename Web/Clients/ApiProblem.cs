using System.Text.Json;

namespace Web.Clients;

/// <summary>
/// An RFC 7807 problem the Api answered with (or one made up when it could not be reached), with
/// its field errors keyed by the request's JSON property names, so a form shows each next to its field.
/// </summary>
public sealed class ApiProblem
{
    public ApiProblem(int status, string? code, string title, string? detail = null, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
    }

    public int Status { get; }

    /// <summary>The Api's stable machine-readable code (e.g. <c>second_factor_required</c>), when it gave one.</summary>
    public string? Code { get; }

    public string Title { get; }

    public string? Detail { get; }

    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The messages for one field (the Api's camelCase property name), or none.</summary>
    public IReadOnlyList<string> For(string field) =>
        Errors.TryGetValue(field, out var messages) ? messages
        : Errors.FirstOrDefault(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    /// <summary>Field errors no form field claims, shown in the form's summary.</summary>
    public IEnumerable<string> Unclaimed(IReadOnlyCollection<string> fields) =>
        Errors.Where(e => !fields.Contains(e.Key, StringComparer.OrdinalIgnoreCase)).SelectMany(e => e.Value);

    internal static ApiProblem Unreachable(string reason) => new(503, "api_unreachable", "The service cannot be reached right now. Try again in a moment.", reason);

    internal static async Task<ApiProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var fallback = new ApiProblem(status, null, response.ReasonPhrase ?? $"The service answered {status}.");
        if (response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "application/json"))
        {
            return fallback;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return fallback;
            }

            var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            if (root.TryGetProperty("errors", out var fieldErrors) && fieldErrors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in fieldErrors.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? [.. field.Value.EnumerateArray().Select(m => m.ToString())]
                        : [field.Value.ToString()];
                }
            }

            return new ApiProblem(status, Text(root, "code"), Text(root, "title") ?? fallback.Title, Text(root, "detail"), errors);
        }
        catch (JsonException)
        {
            return fallback;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
