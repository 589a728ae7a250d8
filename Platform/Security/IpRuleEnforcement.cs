using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tenancy;

namespace Platform.Security;

/// <summary>Applies the organization's IP rules to every request of the API and the web front end.</summary>
public static class IpRuleEnforcement
{
    /// <summary>
    /// Refuses a request whose organization (resolved by tenant resolution, which must run before this) does not let
    /// its client address in: HTTP 403 problem details with code <c>ip_blocked</c>, and an <c>ip_blocked</c> security
    /// event (at most one per address per interval). Requests without an organization or without a known address pass.
    /// Behind a proxy, configure forwarded headers first so the address is the client's.
    /// </summary>
    public static IApplicationBuilder UseIpRuleEnforcement(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (context, next) =>
        {
            if (await IsBlockedAsync(context).ConfigureAwait(false))
            {
                await WriteBlockedAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>Checks the request and records the block; true when the request must be refused.</summary>
    internal static async Task<bool> IsBlockedAsync(HttpContext context)
    {
        var tenant = context.RequestServices.GetService<TenantContext>();
        var address = context.Connection.RemoteIpAddress;
        if (tenant?.TenantId is not { } tenantId || address is null)
        {
            return false;
        }

        var evaluator = context.RequestServices.GetRequiredService<IpAccessEvaluator>();
        var decision = await evaluator.EvaluateAsync(tenantId, address, context.RequestAborted).ConfigureAwait(false);
        if (decision.IsAllowed)
        {
            return false;
        }

        var recorder = context.RequestServices.GetRequiredService<SecurityEventRecorder>();
        await recorder.RecordIpBlockedAsync(tenantId, address, context.Request.Headers.UserAgent.ToString(), tenant.UserId, decision, context.RequestAborted).ConfigureAwait(false);
        return true;
    }

    private static Task WriteBlockedAsync(HttpContext context) =>
        Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Your network address is not allowed",
            detail: "This organization only accepts requests from approved network addresses. Ask an administrator to review its IP rules.",
            extensions: new Dictionary<string, object?> { ["code"] = "ip_blocked" }).ExecuteAsync(context);
}
