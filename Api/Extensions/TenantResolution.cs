using Platform.Audit;
using Platform.Identity.Tokens;
using Platform.Tenancy;

namespace Api.Extensions;

/// <summary>
/// Sets the request's organization from the authenticated principal (its <c>tid</c> claim, from
/// an access token or an API key), and who is acting and from where for the audit trail. Runs
/// after authentication and before authorization.
/// </summary>
internal static class TenantResolution
{
    public static IApplicationBuilder UseTenantResolution(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var origin = context.RequestServices.GetRequiredService<RequestOrigin>();
        origin.Ip = context.Connection.RemoteIpAddress;
        origin.UserAgent = context.Request.Headers.UserAgent is { Count: > 0 } agent ? Truncate(agent.ToString(), 512) : null;

        var principal = context.User;
        if (principal.Identity?.IsAuthenticated == true &&
            Guid.TryParse(principal.FindFirst(PlatformClaims.Tenant)?.Value, out var tenantId))
        {
            Guid? userId = Guid.TryParse(principal.FindFirst(PlatformClaims.Subject)?.Value, out var user) ? user : null;
            context.RequestServices.GetRequiredService<TenantContext>().Set(tenantId, userId);
            if (Guid.TryParse(principal.FindFirst(PlatformClaims.ApiKey)?.Value, out var apiKeyId))
            {
                (origin.ActorType, origin.ActorId) = (AuditActorType.ApiKey, apiKeyId);
            }
            else
            {
                (origin.ActorType, origin.ActorId) = (AuditActorType.User, userId);
            }
        }

        await next(context);
    });

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
