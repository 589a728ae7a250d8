using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace AiInference.Tests.Serving;

/// <summary>
/// A client of the Open Inference Protocol written from its REST description (not the server's types):
/// requests are JSON objects with typed tensors, answers are read as JSON.
/// </summary>
public static class ProtocolClient
{
    public static JsonObject Tensor(string name, string datatype, long[] shape, JsonArray data) =>
        new() { ["name"] = name, ["datatype"] = datatype, ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]), ["data"] = data };

    public static JsonObject Request(params JsonObject[] inputs) => new() { ["inputs"] = new JsonArray(inputs) };

    public static JsonArray Floats(IEnumerable<float> values) => new([.. values.Select(v => (JsonNode)v)]);

    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> InferAsync(HttpClient client, string model, JsonObject request, string? version = null) =>
        await PostAsync(client, version is null ? $"/v2/models/{model}/infer" : $"/v2/models/{model}/versions/{version}/infer", request.ToJsonString());

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(HttpClient client, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>An output's data by name from an inference response.</summary>
    public static JsonArray Output(JsonNode response, string name) =>
        response["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == name)!["data"]!.AsArray();
}
