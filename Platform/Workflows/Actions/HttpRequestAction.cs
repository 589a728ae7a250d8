using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Security;

namespace Platform.Workflows.Actions;

/// <summary>
/// Calls an HTTP endpoint: <c>{"method":"POST","url":"https://…","headers":{…},"body":…}</c>. Sends the step's
/// <c>Idempotency-Key</c> so a repeated attempt can be recognised by the receiver. A status outside 2xx fails the
/// attempt. Output: <c>{status, body}</c> (the body as JSON when it parses, else text, cut at 64 KiB). The named
/// client connects only where <see cref="WorkflowTargetPolicy"/> permits (no private, loopback, link-local or metadata
/// addresses unless <c>Workflows:AllowedTargets</c> allows them) and follows no redirect.
/// </summary>
public sealed class HttpRequestAction(IHttpClientFactory clients) : IWorkflowAction
{
    /// <summary>The named <see cref="HttpClient"/> the action uses; its primary handler is the guarded one of <see cref="WorkflowTargetPolicy"/>.</summary>
    public const string ClientName = "workflows";

    public const string IdempotencyHeader = "Idempotency-Key";

    private const int MaxBody = 64 * 1024;

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public string Type => "http.request";

    public IReadOnlyList<WorkflowSetting> Settings { get; } = [WorkflowSetting.Text("method"), WorkflowSetting.Text("url", required: true), WorkflowSetting.Json("headers"), WorkflowSetting.Json("body")];

    public IEnumerable<string> Validate(JsonObject config)
    {
        var method = config["method"] is JsonValue m && m.TryGetValue<string>(out var text) ? text.ToUpperInvariant() : "GET";
        if (!Methods.Contains(method))
        {
            yield return $"method: one of {string.Join(", ", Methods)}.";
        }

        // A templated URL is checked when it is rendered, at run time.
        if (config["url"] is not JsonValue url || !url.TryGetValue<string>(out var address)
            || !(address.Contains("{{", StringComparison.Ordinal) || (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")))
        {
            yield return "url: an absolute http(s) URL (templates allowed).";
        }

        if (config["headers"] is { } headers && headers is not JsonObject)
        {
            yield return "headers: an object of names to values.";
        }
    }

    public async Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var url = new Uri(context.Text("url") ?? string.Empty, UriKind.Absolute);
        if (url.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"url: '{url}' is not http(s).");
        }

        using var request = new HttpRequestMessage(new HttpMethod((context.Text("method") ?? "GET").ToUpperInvariant()), url);
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, context.IdempotencyKey);
        if (context.Config["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString());
            }
        }

        if (context.Config["body"] is { } body)
        {
            request.Content = body is JsonValue v && v.TryGetValue<string>(out var text)
                ? new StringContent(text, Encoding.UTF8, "text/plain")
                : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage sent;
        try
        {
            sent = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException error) when (Refusal(error) is { } refused)
        {
            // The step's error says which rule stopped it, not a generic connection failure.
            throw new OutboundTargetRefusedException($"{url.GetLeftPart(UriPartial.Authority)}: {refused.Message}");
        }

        using var response = sent;
        var content = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (content.Length > MaxBody)
        {
            content = content[..MaxBody];
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{url.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}.", null, response.StatusCode);
        }

        JsonNode? parsed;
        try
        {
            parsed = content.Length == 0 ? null : JsonNode.Parse(content);
        }
        catch (JsonException)
        {
            parsed = JsonValue.Create(content);
        }

        return WorkflowActionResult.Done(new JsonObject { ["status"] = (int)response.StatusCode, ["body"] = parsed });
    }

    private static OutboundTargetRefusedException? Refusal(Exception error)
    {
        for (Exception? inner = error; inner is not null; inner = inner.InnerException)
        {
            if (inner is OutboundTargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
