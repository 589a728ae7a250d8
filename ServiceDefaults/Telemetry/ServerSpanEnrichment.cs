using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// Completes ASP.NET Core's server span with what a trace reader needs: <c>http.route</c>, the span
/// name <c>GET /orders/{id}</c>, <c>http.response.status_code</c>, and an error status for 5xx.
/// ASP.NET Core 10 natively sets only the request-start tags (method, scheme, <c>url.path</c>), even
/// with <c>SuppressActivityOpenTelemetryData=false</c>; the instrumentation package that adds the
/// rest is not available here.
/// </summary>
internal sealed class ServerSpanEnrichment : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(EnrichAsync);
        next(app);
    };

    private static async Task EnrichAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (context.Features.Get<IHttpActivityFeature>()?.Activity is { IsAllDataRequested: true } activity)
            {
                var status = context.Response.StatusCode;
                activity.SetTag("http.response.status_code", status);
                if (status >= StatusCodes.Status500InternalServerError)
                {
                    activity.SetStatus(ActivityStatusCode.Error);
                }

                if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { Length: > 0 } route })
                {
                    activity.SetTag("http.route", route);
                    activity.DisplayName = $"{context.Request.Method} {route}";
                }
            }
        }
    }
}
