using Platform.Ai;

namespace AiInference.Serving;

/// <summary>
/// AiInference answers services only: every model endpoint needs a valid service token
/// (<c>Authorization: Bearer …</c>); the organization it acts for (<c>tid</c>) decides which models it
/// can reach. Stored in <see cref="HttpContext.Items"/> for the handlers.
/// </summary>
internal sealed class ServiceTokenFilter(ServiceTokens tokens) : IEndpointFilter
{
    private const string TenantKey = "aiinference.tenant";

    public static Guid? TenantOf(HttpContext context) => context.Items[TenantKey] as Guid?;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return ProtocolResults.Error(StatusCodes.Status401Unauthorized, "a service token is required (Authorization: Bearer)");
        }

        var (valid, tenant, _) = await tokens.ValidateAsync(header["Bearer ".Length..].Trim()).ConfigureAwait(false);
        if (!valid)
        {
            return ProtocolResults.Error(StatusCodes.Status401Unauthorized, "the service token is not valid");
        }

        context.HttpContext.Items[TenantKey] = tenant;
        return await next(context).ConfigureAwait(false);
    }
}

/// <summary>The protocol's error body, <c>{"error": "..."}</c>.</summary>
internal static class ProtocolResults
{
    public sealed record ErrorBody(string Error);

    public static IResult Error(int statusCode, string message) => Results.Json(new ErrorBody(message), statusCode: statusCode);
}
