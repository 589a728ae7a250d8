using System.Net;
using System.Net.Http.Headers;
using Azure;
using Azure.Identity;

namespace Api.Extensions;

/// <summary>
/// Calls AiInference on behalf of the signed-in organization with the service credentials of
/// <see cref="InferenceCredentials"/>, found through service discovery (<c>services:aiinference:http:0</c>).
/// </summary>
public sealed partial class InferenceClient(HttpClient http, InferenceCredentials credentials, ILogger<InferenceClient> logger)
{
    public const string BaseAddress = "http://aiinference";

    /// <summary>Forwards an Open Inference Protocol request body; null when AiInference cannot be reached or is not configured.</summary>
    public async Task<(HttpStatusCode Status, byte[] Body)?> InferAsync(Guid tenantId, string model, byte[] body, CancellationToken cancellationToken)
    {
        if (!credentials.IsConfigured)
        {
            return null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v2/models/{Uri.EscapeDataString(model)}/infer", UriKind.Relative))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        try
        {
            await credentials.ApplyAsync(request, tenantId, cancellationToken).ConfigureAwait(false);
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is AuthenticationFailedException or RequestFailedException)
        {
            // The identity could not get a token (no managed identity here, the app registration missing...): the caller answers 503.
            LogNoToken(logger, ex);
            return null;
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not get an Entra token for AiInference (ServiceTokens:EntraAudience) from the service's identity")]
    private static partial void LogNoToken(ILogger logger, Exception exception);
}
