using Microsoft.AspNetCore.Authentication;

namespace Web.Session;

/// <summary>When the Api stops accepting the session mid-request, the reader is sent to sign in again (and back here after), not shown an error.</summary>
public sealed partial class SessionExpiryMiddleware(RequestDelegate next, ILogger<SessionExpiryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception error) when (IsSessionExpiry(error) && !context.Response.HasStarted)
        {
            LogSessionEnded(logger, context.Request.Path);
            await context.SignOutAsync(SessionClaims.Scheme);
            var back = context.Request.Method == HttpMethods.Get ? context.Request.Path + context.Request.QueryString : "/";
            context.Response.Redirect("/sign-in?expired=1&returnUrl=" + Uri.EscapeDataString(back));
        }
    }

    // Rendering wraps what a component throws.
    private static bool IsSessionExpiry(Exception? error) =>
        error is SessionExpiredException || (error is not null && IsSessionExpiry(error.InnerException));

    [LoggerMessage(Level = LogLevel.Information, Message = "The Api ended the session behind {Path}; asking the reader to sign in again")]
    private static partial void LogSessionEnded(ILogger logger, PathString path);
}
