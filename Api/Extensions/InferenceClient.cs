using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Platform.Ai;

namespace Api.Extensions;

/// <summary>
/// Calls AiInference on behalf of the signed-in organization with a short-lived service token
/// (<c>tid</c> = the organization), found through service discovery (<c>services:aiinference:http:0</c>).
/// </summary>
public sealed class InferenceClient(HttpClient http, IOptions<ServiceTokenOptions> options, TimeProvider clock)
{
    public const string BaseAddress = "http://aiinference";
    private ServiceTokens? _tokens;

    /// <summary>Forwards an Open Inference Protocol request body; null when AiInference cannot be reached or is not configured.</summary>
    public async Task<(HttpStatusCode Status, byte[] Body)?> InferAsync(Guid tenantId, string model, byte[] body, CancellationToken cancellationToken)
    {
        if (options.Value.SigningKey.Length < 32)
        {
            return null;
        }

        _tokens ??= new ServiceTokens(options.Value);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v2/models/{Uri.EscapeDataString(model)}/infer", UriKind.Relative))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens.Issue(tenantId, clock.GetUtcNow()));
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
