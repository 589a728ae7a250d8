namespace Web.Clients;

/// <summary>
/// The organization's webhook endpoints at the Api (webhooks.* permissions): the event catalogue, endpoints, their
/// signing secrets (shown once, at creation and rotation), test events, the delivery log and replay.
/// </summary>
public sealed class WebhooksClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<List<WebhookEventType>>> EventTypesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<WebhookEventType>>("/api/v1/webhooks/event-types", cancellationToken);

    public Task<ApiResult<Page<WebhookEndpointInfo>>> ListAsync(string? cursor = null, int limit = 25, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WebhookEndpointInfo>>($"/api/v1/webhooks/endpoints?limit={limit}" + Cursor(cursor), cancellationToken);

    public Task<ApiResult<WebhookEndpointInfo>> GetAsync(Guid endpointId, CancellationToken cancellationToken = default) =>
        GetAsync<WebhookEndpointInfo>($"/api/v1/webhooks/endpoints/{endpointId}", cancellationToken);

    public Task<ApiResult<CreatedWebhookEndpoint>> CreateAsync(WebhookEndpointDraft draft, CancellationToken cancellationToken = default) =>
        PostAsync<CreatedWebhookEndpoint>("/api/v1/webhooks/endpoints", draft, cancellationToken);

    public Task<ApiResult<WebhookEndpointInfo>> UpdateAsync(Guid endpointId, WebhookEndpointDraft draft, CancellationToken cancellationToken = default) =>
        PutAsync<WebhookEndpointInfo>($"/api/v1/webhooks/endpoints/{endpointId}", draft, cancellationToken);

    public Task<ApiResult<Done>> DeleteAsync(Guid endpointId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/webhooks/endpoints/{endpointId}", cancellationToken);

    public Task<ApiResult<RotatedWebhookSecret>> RotateSecretAsync(Guid endpointId, CancellationToken cancellationToken = default) =>
        PostAsync<RotatedWebhookSecret>($"/api/v1/webhooks/endpoints/{endpointId}/rotate-secret", new { }, cancellationToken);

    public Task<ApiResult<QueuedWebhookMessage>> SendTestAsync(Guid endpointId, CancellationToken cancellationToken = default) =>
        PostAsync<QueuedWebhookMessage>($"/api/v1/webhooks/endpoints/{endpointId}/test", null, cancellationToken);

    public Task<ApiResult<Page<WebhookAttemptInfo>>> DeliveriesAsync(Guid endpointId, string? cursor = null, int limit = 25, CancellationToken cancellationToken = default) =>
        GetAsync<Page<WebhookAttemptInfo>>($"/api/v1/webhooks/endpoints/{endpointId}/deliveries?limit={limit}" + Cursor(cursor), cancellationToken);

    public Task<ApiResult<QueuedWebhookMessage>> ReplayAsync(string messageId, Guid endpointId, CancellationToken cancellationToken = default) =>
        PostAsync<QueuedWebhookMessage>($"/api/v1/webhooks/messages/{Uri.EscapeDataString(messageId)}/replay", new { endpointId }, cancellationToken);

    private static string Cursor(string? cursor) => cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor);
}

/// <summary>An event type an endpoint can subscribe to (<c>member.joined</c>), with what its payload holds.</summary>
public sealed record WebhookEventType(string Type, string Description)
{
    /// <summary>What the type is about (the part before the first dot), to group the catalogue by.</summary>
    public string Subject => Type.Split('.')[0];
}

/// <summary>What the organization sets on an endpoint (the Api checks the URL against its SSRF rules).</summary>
public sealed record WebhookEndpointDraft(string Url, string? Description, IReadOnlyList<string> EventTypes, bool Enabled);

public sealed record WebhookEndpointInfo(
    Guid Id, string Url, string Description, IReadOnlyList<string> EventTypes, bool Enabled, string? DisabledReason, DateTimeOffset? FailingSince,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A new endpoint and its signing secret, which the Api never shows again.</summary>
public sealed record CreatedWebhookEndpoint(Guid Id, WebhookEndpointInfo Endpoint, string Secret);

/// <summary>A new signing secret, shown once; the previous one keeps signing until <see cref="PreviousSecretExpiresAt"/>.</summary>
public sealed record RotatedWebhookSecret(string Secret, DateTimeOffset PreviousSecretExpiresAt);

public sealed record QueuedWebhookMessage(string MessageId);

/// <summary>One attempt to deliver a message to an endpoint, as the delivery log shows it.</summary>
public sealed record WebhookAttemptInfo(
    Guid Id, Guid EndpointId, string MessageId, DateTimeOffset AttemptedAt, bool Succeeded, int? StatusCode, int LatencyMs, string? ResponseBody, string? Error,
    string Trigger);
