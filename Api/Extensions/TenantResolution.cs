using Platform.Identity.Tokens;
using Platform.Tenancy;

namespace Api.Extensions;

/// <summary>
/// Sets the request's organization from the authenticated principal (its <c>tid</c> claim, from
/// an access token or an API key). Runs after authentication and before authorization.
/// </summary>
internal static class TenantResolution
{
    public static IApplicationBuilder UseTenantResolution(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var principal = context.User;
        if (principal.Identity?.IsAuthenticated == true &&
            Guid.TryParse(principal.FindFirst(PlatformClaims.Tenant)?.Value, out var tenantId))
        {
            Guid? userId = Guid.TryParse(principal.FindFirst(PlatformClaims.Subject)?.Value, out var user) ? user : null;
            context.RequestServices.GetRequiredService<TenantContext>().Set(tenantId, userId);
        }

        await next(context);
    });
}
