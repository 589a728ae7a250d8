namespace AiInference.Serving;

/// <summary>
/// AiInference answers services only: every model endpoint needs a valid service credential
/// (<c>Authorization: Bearer …</c>, checked by the <see cref="ServiceCallerCheck"/> of the configured mode); the
/// organization it acts for decides which models it can reach. Stored in <see cref="HttpContext.Items"/> for the handlers.
/// </summary>
internal sealed class ServiceTokenFilter(ServiceCallerCheck callers) : IEndpointFilter
{
    private const string TenantKey = "aiinference.tenant";

    public static Guid? TenantOf(HttpContext context) => context.Items[TenantKey] as Guid?;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var caller = await callers.CheckAsync(context.HttpContext.Request, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (caller.Failure is { } failure)
        {
            return ProtocolResults.Error(caller.FailureStatus, failure);
        }

        context.HttpContext.Items[TenantKey] = caller.TenantId;
        return await next(context).ConfigureAwait(false);
    }
}

/// <summary>The protocol's error body, <c>{"error": "..."}</c>.</summary>
internal static class ProtocolResults
{
    public sealed record ErrorBody(string Error);

    public static IResult Error(int statusCode, string message) => Results.Json(new ErrorBody(message), statusCode: statusCode);
}
