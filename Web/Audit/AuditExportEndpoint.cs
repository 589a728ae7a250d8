using Web.Clients;
using Web.Session;

namespace Web.Audit;

/// <summary>
/// <c>GET /audit/export</c>: the audit page's CSV link. The browser holds no Api token, so the front end
/// asks the Api as the signed-in reader (the same filters) and streams the file through.
/// </summary>
public static partial class AuditExportEndpoint
{
    public static IEndpointRouteBuilder MapAuditExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audit/export", ExportAsync).RequireAuthorization().WithName("AuditExport");
        return app;
    }

    private static async Task ExportAsync(HttpContext context, AuditClient audit, ILogger<AuditClient> logger,
        Guid? actorId, string? action, string? resourceType, string? resourceId, DateOnly? from, DateOnly? to, bool? securityOnly)
    {
        var filter = new AuditFilter
        {
            ActorId = actorId, Action = action, ResourceType = resourceType, ResourceId = resourceId, From = from, To = to, SecurityOnly = securityOnly ?? false,
        };
        HttpResponseMessage upstream;
        try
        {
            upstream = await audit.OpenExportAsync(filter, context.RequestAborted);
        }
        catch (SessionExpiredException)
        {
            context.Response.Redirect("/sign-in");
            return;
        }
        catch (HttpRequestException error)
        {
            LogUpstreamUnavailable(logger, error.Message);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (upstream)
        {
            if (!upstream.IsSuccessStatusCode)
            {
                LogUpstreamRefused(logger, (int)upstream.StatusCode);
                context.Response.Redirect((int)upstream.StatusCode == StatusCodes.Status403Forbidden ? "/forbidden" : "/error");
                return;
            }

            context.Response.ContentType = upstream.Content.Headers.ContentType?.ToString() ?? "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition = upstream.Content.Headers.ContentDisposition?.ToString() ?? "attachment; filename=\"audit.csv\"";
            await using var body = await upstream.Content.ReadAsStreamAsync(context.RequestAborted);
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit export could not reach the Api: {Reason}")]
    private static partial void LogUpstreamUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Api refused the audit export with {Status}")]
    private static partial void LogUpstreamRefused(ILogger logger, int status);
}
