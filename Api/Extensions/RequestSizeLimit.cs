using Microsoft.AspNetCore.Mvc;

namespace Api.Extensions;

/// <summary>
/// Refuses a declared body above the limit with 413 and a problem document before anything reads
/// it. Kestrel's own limit (same size) still cuts off chunked bodies that grow past it.
/// </summary>
internal static class RequestSizeLimit
{
    public static IApplicationBuilder UseRequestSizeLimit(this IApplicationBuilder app, long maxBytes) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > maxBytes)
        {
            await Problems.WriteAsync(context, new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "The request body is too large.",
                Detail = $"Send at most {maxBytes / 1024} KiB.",
            });
            return;
        }

        await next(context);
    });
}
