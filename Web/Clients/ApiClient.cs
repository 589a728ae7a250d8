using System.Net.Http.Json;
using System.Text.Json;

namespace Web.Clients;

/// <summary>
/// The one way Web talks to the Api: JSON in and out, problem details turned into
/// <see cref="ApiProblem"/> (never an exception for a refusal).
/// </summary>
public abstract class ApiClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The underlying client, for calls that are not one JSON request and answer (streams).</summary>
    protected HttpClient Http { get; } = http;

    protected Task<ApiResult<T>> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    protected Task<ApiResult<T>> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    protected Task<ApiResult<Done>> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<Done>(HttpMethod.Post, path, body, cancellationToken);

    protected Task<ApiResult<Done>> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync<Done>(HttpMethod.Delete, path, null, cancellationToken);

    protected Task<ApiResult<Done>> PutAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<Done>(HttpMethod.Put, path, body, cancellationToken);

    protected Task<ApiResult<T>> PutAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Put, path, body, cancellationToken);

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        try
        {
            using var response = await Http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await ApiProblem.ReadAsync(response, cancellationToken);
            }

            if (typeof(T) == typeof(Done))
            {
                return new ApiResult<T>(default, null);
            }

            var value = await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
            return value is null ? ApiProblem.Unreachable("an empty answer") : new ApiResult<T>(value, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            return ApiProblem.Unreachable(ex.Message);
        }
    }
}
