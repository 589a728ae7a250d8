namespace Platform.Webhooks;

/// <summary>An organization's webhook endpoint (its secret is never part of it: shown once, at creation and rotation).</summary>
public sealed record WebhookEndpoint(
    Guid Id, string Url, string Description, IReadOnlyList<string> EventTypes, bool Enabled, string? DisabledReason,
    DateTimeOffset? FailingSince, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>What a caller sets on an endpoint.</summary>
public sealed record WebhookEndpointDraft(string? Url, string? Description, IReadOnlyList<string>? EventTypes, bool Enabled = true);

/// <summary>An endpoint's settings as <see cref="WebhookEndpointService.ValidateAsync"/> accepted them (URL normalized, its host checked).</summary>
public sealed record WebhookEndpointSettings
{
    internal WebhookEndpointSettings(string url, string description, IReadOnlyList<string> eventTypes, bool enabled) =>
        (Url, Description, EventTypes, Enabled) = (url, description, eventTypes, enabled);

    public string Url { get; }

    public string Description { get; }

    public IReadOnlyList<string> EventTypes { get; }

    public bool Enabled { get; }
}

/// <summary>The organization has as many endpoints as it may (<see cref="WebhookOptions.MaxEndpointsPerOrganization"/>).</summary>
public sealed class WebhookEndpointLimitException(int max)
    : Exception($"An organization has at most {max} webhook endpoints; delete one first.")
{
    public const string Code = "webhook_endpoint_limit";

    public int Max { get; } = max;
}

/// <summary>A new or rotated secret, shown to its owner this once.</summary>
/// <param name="Secret">The <c>whsec_</c> secret receivers verify with.</param>
/// <param name="PreviousSecretExpiresAt">Until when the secret it replaced still signs (null at creation).</param>
public sealed record WebhookSecretIssued(string Secret, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>One attempt to deliver a message to an endpoint, as logged.</summary>
public sealed record WebhookAttempt(
    Guid Id, Guid DeliveryId, Guid EndpointId, string MessageId, DateTimeOffset AttemptedAt, bool Succeeded, int? StatusCode,
    int LatencyMs, string? ResponseBody, string? Error, string Trigger);

/// <summary>How a replay or test request ended.</summary>
public enum WebhookSendOutcome
{
    /// <summary>Queued: an attempt is due now.</summary>
    Queued,

    /// <summary>No such endpoint or message in the organization.</summary>
    NotFound,

    /// <summary>The endpoint is disabled; enable it first.</summary>
    EndpointDisabled,
}

/// <summary>The answer to a replay or test: the outcome, and the message id when queued.</summary>
public sealed record WebhookSendResult(WebhookSendOutcome Outcome, string? MessageId = null);

/// <summary>The answer to a recovery: the outcome, and how many failed deliveries are due again when queued.</summary>
public sealed record WebhookRecoverResult(WebhookSendOutcome Outcome, int Requeued);
