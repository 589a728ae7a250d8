using System.Text;
using System.Text.Json;
using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Caching;
using Platform.Data.Paging;
using Platform.Notifications;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>The signed-in member's in-app notifications, and a live stream of new ones (Server-Sent Events).</summary>
public static class NotificationsApi
{
    // A comment line this often keeps proxies (and Front Door) from closing an idle stream.
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RouteGroupBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        // Personal: signed-in members only (an API key has no inbox).
        var api = app.MapGroup("/api/v1/notifications").WithTags("Notifications").RequireSignedInUser();

        api.MapGet("/", ListAsync).WithName("ListNotifications").WithSummary("My notifications, newest first (cursor pagination; unreadOnly to filter).");
        api.MapGet("/unread-count", UnreadCountAsync).WithName("CountUnreadNotifications").WithSummary("How many of my notifications are unread.");
        api.MapPost("/{notificationId:guid}/read", MarkReadAsync).WithName("MarkNotificationRead").WithSummary("Mark one of my notifications read.");
        api.MapPost("/read", MarkAllReadAsync).WithName("MarkNotificationsRead").WithSummary("Mark the given notifications read, or all of them when no ids are given.");
        api.MapGet("/preferences", PreferencesAsync).WithName("ListNotificationPreferences")
            .WithSummary("Every notification type the platform sends, with what it is for and my channels for it.");
        api.MapPut("/preferences", SetPreferenceAsync).WithName("SetNotificationPreference").WithSummary("Choose the channels for one notification type.");
        api.MapGet("/stream", StreamAsync).WithName("StreamNotifications")
            .WithSummary("Server-Sent Events: `ready` with the unread count, then `notification` for each new one, and a keep-alive comment every 15 s.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return api;
    }

    public sealed record NotificationResponse(Guid Id, string Type, string Title, string? Body, string? Link, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

    public sealed record UnreadCountResponse(long Unread);

    public sealed record MarkReadRequest(IReadOnlyList<Guid>? Ids);

    public sealed record MarkedResponse(int Marked);

    public sealed record PreferenceRequest(string Type, bool InApp, bool Email);

    public static async Task<Results<Ok<Page<NotificationResponse>>, ValidationProblem>> ListAsync(
        int? limit, string? cursor, bool? unreadOnly, NotificationService notifications, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        var rows = await notifications.ListAsync(tenant.RequiredTenantId, RequiredUser(tenant), page.Limit + 1, page.After, page.AfterId, unreadOnly ?? false, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, page, ToResponse, item => (item.CreatedAt, item.Id)));
    }

    public static async Task<Ok<UnreadCountResponse>> UnreadCountAsync(NotificationService notifications, TenantContext tenant, CancellationToken cancellationToken) =>
        TypedResults.Ok(new UnreadCountResponse(await notifications.UnreadCountAsync(tenant.RequiredTenantId, RequiredUser(tenant), cancellationToken)));

    public static async Task<Results<NoContent, NotFound>> MarkReadAsync(Guid notificationId, NotificationService notifications, TenantContext tenant, CancellationToken cancellationToken) =>
        await notifications.MarkReadAsync(tenant.RequiredTenantId, RequiredUser(tenant), notificationId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<MarkedResponse>> MarkAllReadAsync(MarkReadRequest request, NotificationService notifications, TenantContext tenant, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MarkedResponse(await notifications.MarkAllReadAsync(tenant.RequiredTenantId, RequiredUser(tenant), request?.Ids, cancellationToken)));

    public static async Task<Ok<IReadOnlyList<NotificationChannels>>> PreferencesAsync(NotificationService notifications, TenantContext tenant, CancellationToken cancellationToken) =>
        TypedResults.Ok(await notifications.PreferencesAsync(tenant.RequiredTenantId, RequiredUser(tenant), cancellationToken));

    public static async Task<NoContent> SetPreferenceAsync(PreferenceRequest request, NotificationService notifications, TenantContext tenant, CancellationToken cancellationToken)
    {
        await notifications.SetPreferenceAsync(tenant.RequiredTenantId, RequiredUser(tenant), new NotificationPreference(request.Type, request.InApp, request.Email), cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Relays the member's Redis channel to the client until it disconnects.</summary>
    public static async Task StreamAsync(HttpContext context, NotificationService notifications, RedisClient redis, TenantContext tenant, IHostApplicationLifetime lifetime)
    {
        // Ends when the client goes away, or when the host stops (so a shutdown does not wait out open streams).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        var (tenantId, userId) = (tenant.RequiredTenantId, RequiredUser(tenant));
        // Subscribed before the unread count is read: nothing sent in between is missed.
        await using var subscription = await redis.SubscribeAsync(NotificationService.Channel(tenantId, userId), cancellationToken);
        var unread = await notifications.UnreadCountAsync(tenantId, userId, cancellationToken);

        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await WriteAsync(context.Response, $"event: ready\ndata: {JsonSerializer.Serialize(new UnreadCountResponse(unread), Json)}\n\n", cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var arrived = subscription.Messages.WaitToReadAsync(cancellationToken).AsTask();
                if (await Task.WhenAny(arrived, Task.Delay(KeepAlive, cancellationToken)) != arrived)
                {
                    await WriteAsync(context.Response, ": keep-alive\n\n", cancellationToken);
                    continue;
                }

                if (!await arrived)
                {
                    return;
                }

                while (subscription.Messages.TryRead(out var message))
                {
                    // The payload is the notification as JSON, one line: SSE data lines cannot hold raw newlines.
                    await WriteAsync(context.Response, $"event: notification\ndata: {message.PayloadText}\n\n", cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away, or the host is stopping.
        }
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static Guid RequiredUser(TenantContext tenant) =>
        tenant.UserId ?? throw new Platform.Access.AccessDeniedException("Notifications belong to signed-in members.");

    private static NotificationResponse ToResponse(Notification n) => new(n.Id, n.Type, n.Title, n.Body, n.Link, n.CreatedAt, n.ReadAt);
}
