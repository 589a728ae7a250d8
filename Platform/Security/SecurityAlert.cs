namespace Platform.Security;

/// <summary>An alert raised for an organization, as its security contacts see it.</summary>
/// <param name="TenantId">The organization.</param>
/// <param name="Id">The alert.</param>
/// <param name="EventType">The security event type's name (e.g. <c>refresh_token_reuse</c>), or <c>digest</c> for the daily digest of low alerts.</param>
/// <param name="Severity">How urgent it is.</param>
/// <param name="Title">One line for a list or a notification.</param>
/// <param name="Detail">More, for the alert's page; never secrets.</param>
/// <param name="CreatedAt">When it was raised.</param>
/// <param name="DeliverAfter">When it becomes due for delivery (see <see cref="SecurityAlertService.DeliverAfter"/>).</param>
/// <param name="DeliveredAt">When it was delivered; null while pending.</param>
/// <param name="ReadAt">When a contact marked it read (acknowledged for the organization); null while unread.</param>
public sealed record SecurityAlert(
    Guid TenantId,
    Guid Id,
    string EventType,
    SecuritySeverity Severity,
    string Title,
    string? Detail,
    DateTimeOffset CreatedAt,
    DateTimeOffset DeliverAfter,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? ReadAt);

/// <summary>One alert delivered by <see cref="SecurityAlertService.DeliverDueAsync"/>, with the contacts it went to, for other channels (email, webhooks) to fan out.</summary>
/// <param name="Alert">The alert (for low ones: the digest that stands for them).</param>
/// <param name="RecipientUserIds">The organization's security contacts whose minimum severity the alert meets.</param>
public sealed record SecurityAlertDelivery(SecurityAlert Alert, IReadOnlyList<Guid> RecipientUserIds);

/// <summary>A member who receives the organization's security alerts from <paramref name="MinSeverity"/> up.</summary>
/// <param name="UserId">The member.</param>
/// <param name="MinSeverity">The least severity they are sent.</param>
public sealed record SecurityContact(Guid UserId, SecuritySeverity MinSeverity);
