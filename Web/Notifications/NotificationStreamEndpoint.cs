using System.Text;
using System.Text.Json;
using Web.Clients;
using Web.Session;

namespace Web.Notifications;

/// <summary>
/// <c>GET /notifications/stream</c>: relays the Api's Server-Sent Events for the signed-in reader to
/// the browser, as HTML fragments htmx's SSE extension swaps in (the badge, new inbox entries). The
/// browser reconnects by itself when the stream drops; 204 tells it to stop (the session is over).
/// </summary>
public static partial class NotificationStreamEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapNotificationStream(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notifications/stream", RelayAsync).RequireAuthorization().WithName("NotificationStream");
        return app;
    }

    private static async Task RelayAsync(HttpContext context, NotificationsClient notifications, IHostApplicationLifetime lifetime, ILogger<NotificationsClient> logger)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        HttpResponseMessage upstream;
        try
        {
            upstream = await notifications.OpenStreamAsync(cancellationToken);
        }
        catch (SessionExpiredException)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
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
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                return;
            }

            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await context.Response.Body.FlushAsync(cancellationToken);
            try
            {
                await RelayEventsAsync(upstream, context.Response, cancellationToken);
            }
            catch (Exception error) when (error is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
            {
                // The reader left, or the front end is stopping.
            }
            catch (IOException error)
            {
                // The Api's stream broke: end ours, and the browser reconnects.
                LogUpstreamUnavailable(logger, error.Message);
            }
        }
    }

    private static async Task RelayEventsAsync(HttpResponseMessage upstream, HttpResponse response, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await upstream.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        long unread = 0;
        string? eventName = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                switch (eventName)
                {
                    case "ready":
                        unread = JsonSerializer.Deserialize<UnreadCount>(data.ToString(), Json)?.Unread ?? 0;
                        await SendAsync(response, "unread", NotificationMarkup.Badge(unread), cancellationToken);
                        break;
                    case "notification" when JsonSerializer.Deserialize<InboxItem>(data.ToString(), Json) is { } item:
                        unread++;
                        await SendAsync(response, "notification", NotificationMarkup.Item(item), cancellationToken);
                        await SendAsync(response, "unread", NotificationMarkup.Badge(unread), cancellationToken);
                        break;
                }

                (eventName, data) = (null, data.Clear());
            }
            else if (line.StartsWith(':'))
            {
                // Keep-alives pass through, so proxies between here and the browser keep the stream open.
                await WriteAsync(response, ": keep-alive\n\n", cancellationToken);
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].TrimStart());
            }
        }
    }

    private static Task SendAsync(HttpResponse response, string eventName, string html, CancellationToken cancellationToken) =>
        WriteAsync(response, $"event: {eventName}\ndata: {html.ReplaceLineEndings(" ")}\n\n", cancellationToken);

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Api's notification stream is unavailable: {Reason}")]
    private static partial void LogUpstreamUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Api refused the notification stream with {Status}")]
    private static partial void LogUpstreamRefused(ILogger logger, int status);
}
