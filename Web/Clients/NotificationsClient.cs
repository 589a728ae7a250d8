namespace Web.Clients;

/// <summary>The signed-in reader's notifications at the Api, and its live stream of new ones.</summary>
public sealed class NotificationsClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<UnreadCount>> UnreadCountAsync(CancellationToken cancellationToken = default) =>
        GetAsync<UnreadCount>("/api/v1/notifications/unread-count", cancellationToken);

    public Task<ApiResult<Page<InboxItem>>> ListAsync(string? cursor = null, bool unreadOnly = false, CancellationToken cancellationToken = default) =>
        GetAsync<Page<InboxItem>>($"/api/v1/notifications?limit=50&unreadOnly={(unreadOnly ? "true" : "false")}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken);

    public Task<ApiResult<Done>> MarkReadAsync(Guid notificationId, CancellationToken cancellationToken = default) =>
        PostAsync($"/api/v1/notifications/{notificationId}/read", null, cancellationToken);

    public Task<ApiResult<Done>> MarkAllReadAsync(CancellationToken cancellationToken = default) =>
        PostAsync("/api/v1/notifications/read", new { }, cancellationToken);

    /// <summary>Every notification type the platform sends, with the reader's channels for it.</summary>
    public Task<ApiResult<List<NotificationChannels>>> PreferencesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<NotificationChannels>>("/api/v1/notifications/preferences", cancellationToken);

    /// <summary>Chooses the channels for one notification type.</summary>
    public Task<ApiResult<Done>> SetPreferenceAsync(NotificationPreference preference, CancellationToken cancellationToken = default) =>
        PutAsync("/api/v1/notifications/preferences", preference, cancellationToken);

    /// <summary>
    /// Opens the Api's Server-Sent Events stream; the caller reads it until the reader leaves. Only the
    /// headers are awaited here, so the request's timeouts do not cut the stream later.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/notifications/stream", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }
}

public sealed record UnreadCount(long Unread);

public sealed record InboxItem(Guid Id, string Type, string Title, string? Body, string? Link, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

public sealed record NotificationPreference(string Type, bool InApp, bool Email);

public sealed record NotificationChannels(string Type, string Description, bool InApp, bool Email);
