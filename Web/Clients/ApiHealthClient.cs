using System.Net.Http.Json;

namespace Web.Clients;

/// <summary>Reads the Api's readiness report over HTTP, as any client of the Api would.</summary>
public sealed class ApiHealthClient(HttpClient http)
{
    public async Task<ApiHealth> GetAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // /health answers 503 with the same body when a dependency is down.
            using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
            var report = await response.Content.ReadFromJsonAsync<HealthReportDto>(cancellationToken);
            return report is null
                ? new ApiHealth(false, "the Api sent an empty health report", [])
                : new ApiHealth(report.Status == "Healthy", report.Status, report.Checks);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            return new ApiHealth(false, $"the Api cannot be reached ({ex.Message})", []);
        }
    }

    private sealed record HealthReportDto(string Status, IReadOnlyList<ApiHealthCheck> Checks);
}

/// <summary>What the home page shows about the Api.</summary>
public sealed record ApiHealth(bool IsHealthy, string Summary, IReadOnlyList<ApiHealthCheck> Checks);

/// <summary>One dependency the Api checked.</summary>
public sealed record ApiHealthCheck(string Name, string Status, double DurationMs, string? Description);
