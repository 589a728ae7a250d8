using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Health;

/// <summary>Readiness and liveness endpoints with a JSON body that lists every check.</summary>
public static class HealthEndpoints
{
    /// <summary>Checks with this tag answer <c>/alive</c>; every check answers <c>/health</c>.</summary>
    public const string LiveTag = "live";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy("the process answers"), [LiveTag]);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints, string healthPath, string alivePath)
    {
        endpoints.MapHealthChecks(healthPath, new HealthCheckOptions { ResponseWriter = WriteJsonAsync });
        endpoints.MapHealthChecks(alivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
            ResponseWriter = WriteJsonAsync,
        });
        return endpoints;
    }

    /// <summary>
    /// <c>{"status":"Healthy","durationMs":3.2,"checks":[{"name":"postgres","status":"Healthy","durationMs":2.9,"description":"..."}]}</c>.
    /// Exception details stay in the logs; the body says only what failed.
    /// </summary>
    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new HealthResponse(
            report.Status.ToString(),
            Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            [.. report.Entries.Select(e => new HealthCheckEntry(e.Key, e.Value.Status.ToString(), Math.Round(e.Value.Duration.TotalMilliseconds, 1), e.Value.Description))]);
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}

/// <summary>The health endpoints' body.</summary>
public sealed record HealthResponse(string Status, double DurationMs, IReadOnlyList<HealthCheckEntry> Checks);

/// <summary>One check in the health body.</summary>
public sealed record HealthCheckEntry(string Name, string Status, double DurationMs, string? Description);
