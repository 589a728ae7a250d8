using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Messaging;
using Platform.Tenancy;
using Platform.Validation;

namespace Platform.Webhooks;

/// <summary>
/// An organization's webhook endpoints, their secrets and delivery log. Changes run in the caller's transaction
/// (keyed to the organization), so the Api writes each one's audit entry beside it; reads run in their own.
/// Secrets are kept protected by the data-protection key ring: they must be recoverable to sign.
/// </summary>
public sealed class WebhookEndpointService(
    NpgsqlDataSource dataSource, IDataProtectionProvider dataProtection, WebhookTargetPolicy targets, IOptions<WebhookOptions> options, TimeProvider clock)
{
    /// <summary>The data-protection purpose of webhook secrets.</summary>
    public const string SecretPurpose = "Platform.Webhooks.Secrets";

    public const int MaxDescriptionLength = 500;
    public const int MaxEventTypes = 100;

    /// <summary>Rotated-out secrets kept signing at most (Svix keeps 10).</summary>
    public const int MaxOldSecrets = 10;

    private const string Columns = "id, url, description, event_types, enabled, disabled_reason, failing_since, created_at, updated_at";
    private const string AttemptColumns = "id, delivery_id, endpoint_id, message_id, attempted_at, succeeded, status_code, latency_ms, response_body, error, trigger";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(SecretPurpose);

    /// <summary>Newest first, continuing after (<paramref name="beforeCreatedAt"/>, <paramref name="beforeId"/>) when given.</summary>
    public async Task<IReadOnlyList<WebhookEndpoint>> ListAsync(Guid tenantId, int limit, DateTimeOffset? beforeCreatedAt = null, Guid? beforeId = null, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command(
            $"""
            SELECT {Columns} FROM webhook_endpoints
            WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
            ORDER BY created_at DESC, id DESC LIMIT $4
            """,
            tenantId, beforeCreatedAt, beforeId ?? Guid.Empty, limit);
        return await ReadEndpointsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WebhookEndpoint?> GetAsync(Guid tenantId, Guid endpointId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2", tenantId, endpointId);
        return (await ReadEndpointsAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>
    /// Checks a draft (the URL's host is resolved: call this before opening a transaction, so no connection waits on DNS)
    /// and returns the settings to save.
    /// </summary>
    /// <exception cref="ValidationFailedException">A field is refused (the URL by the SSRF rules, unknown event types...).</exception>
    public async Task<WebhookEndpointSettings> ValidateAsync(WebhookEndpointDraft draft, CancellationToken cancellationToken = default)
    {
        var (url, description, eventTypes) = await CheckAsync(draft, cancellationToken).ConfigureAwait(false);
        return new WebhookEndpointSettings(url, description, eventTypes, draft.Enabled);
    }

    /// <summary>Creates an endpoint with a new secret, returned this once.</summary>
    /// <exception cref="ValidationFailedException">A field is refused (the URL by the SSRF rules, unknown event types...).</exception>
    /// <exception cref="WebhookEndpointLimitException">The organization has <see cref="WebhookOptions.MaxEndpointsPerOrganization"/> endpoints already.</exception>
    public async Task<(WebhookEndpoint Endpoint, WebhookSecretIssued Secret)> CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, WebhookEndpointDraft draft, CancellationToken cancellationToken = default) =>
        await CreateAsync(connection, transaction, tenantId, await ValidateAsync(draft, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Creates an endpoint from settings checked by <see cref="ValidateAsync"/>, with a new secret returned this once.</summary>
    /// <exception cref="WebhookEndpointLimitException">The organization has <see cref="WebhookOptions.MaxEndpointsPerOrganization"/> endpoints already.</exception>
    public async Task<(WebhookEndpoint Endpoint, WebhookSecretIssued Secret)> CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, WebhookEndpointSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (url, description, eventTypes) = (settings.Url, settings.Description, settings.EventTypes.ToArray());
        // Creations of one organization take turns, so two at once cannot both pass the count.
        await using (var count = Command(connection, transaction,
            "SELECT pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || $1::text, 0)), (SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1)",
            tenantId))
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var max = options.Value.MaxEndpointsPerOrganization;
            if (reader.GetInt64(1) >= max)
            {
                throw new WebhookEndpointLimitException(max);
            }
        }

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        await using var insert = Command(connection, transaction,
            $"""
            INSERT INTO webhook_endpoints (tenant_id, id, url, description, event_types, enabled, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {Columns}
            """,
            tenantId, id, url, description, eventTypes, settings.Enabled, now);
        var endpoint = (await ReadEndpointsAsync(insert, cancellationToken).ConfigureAwait(false)).Single();
        var secret = WebhookSignature.NewSecret();
        await InsertSecretAsync(connection, transaction, tenantId, id, secret, now, cancellationToken).ConfigureAwait(false);
        return (endpoint, new WebhookSecretIssued(secret, null));
    }

    /// <summary>
    /// Replaces the endpoint's settings; enabling it again or pointing it at another URL clears its failure streak
    /// (enabling also why it was disabled). Null when not found.
    /// </summary>
    /// <exception cref="ValidationFailedException">A field is refused.</exception>
    public async Task<WebhookEndpoint?> UpdateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, WebhookEndpointDraft draft, CancellationToken cancellationToken = default) =>
        await UpdateAsync(connection, transaction, tenantId, endpointId, await ValidateAsync(draft, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Replaces the endpoint's settings with ones checked by <see cref="ValidateAsync"/>; null when not found.</summary>
    public async Task<WebhookEndpoint?> UpdateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, WebhookEndpointSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Another URL is another receiver: the old one's failures say nothing about it.
        await using var update = Command(connection, transaction,
            $"""
            UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, enabled = $6, updated_at = $7,
                disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END,
                failing_since = CASE WHEN ($6 AND NOT enabled) OR url <> $3 THEN NULL ELSE failing_since END,
                last_failure_at = CASE WHEN ($6 AND NOT enabled) OR url <> $3 THEN NULL ELSE last_failure_at END
            WHERE tenant_id = $1 AND id = $2 RETURNING {Columns}
            """,
            tenantId, endpointId, settings.Url, settings.Description, settings.EventTypes.ToArray(), settings.Enabled, clock.GetUtcNow());
        return (await ReadEndpointsAsync(update, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>Deletes the endpoint with its secrets, deliveries and log; false when not found.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, CancellationToken cancellationToken = default)
    {
        await using var delete = Command(connection, transaction, "DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2", tenantId, endpointId);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Issues a new secret; the current one keeps signing beside it for <paramref name="gracePeriod"/> (default
    /// <see cref="WebhookOptions.DefaultRotationGracePeriod"/>, 0 to 7 days). Null when the endpoint is not found.
    /// </summary>
    /// <exception cref="ValidationFailedException">The grace period is out of range.</exception>
    public async Task<WebhookSecretIssued?> RotateSecretAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, TimeSpan? gracePeriod, CancellationToken cancellationToken = default)
    {
        var grace = gracePeriod ?? options.Value.DefaultRotationGracePeriod;
        if (grace < TimeSpan.Zero || grace > WebhookOptions.MaxRotationGracePeriod)
        {
            throw ValidationFailedException.For("gracePeriodSeconds", "The grace period is 0 to 604800 seconds (7 days).");
        }

        if (!await ExistsAsync(connection, transaction, tenantId, endpointId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var expires = now + grace;
        // The current secret (and any still-valid older one) ends no later than the new grace period; the oldest beyond the cap go.
        await using (var retire = Command(connection, transaction,
            """
            UPDATE webhook_endpoint_secrets SET expires_at = LEAST(coalesce(expires_at, $3), $3)
            WHERE tenant_id = $1 AND endpoint_id = $2 AND (expires_at IS NULL OR expires_at > $4)
            """,
            tenantId, endpointId, expires, now))
        {
            await retire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var prune = Command(connection, transaction,
            """
            DELETE FROM webhook_endpoint_secrets WHERE tenant_id = $1 AND endpoint_id = $2 AND (expires_at <= $3 OR id IN (
                SELECT id FROM webhook_endpoint_secrets WHERE tenant_id = $1 AND endpoint_id = $2 AND expires_at IS NOT NULL
                ORDER BY expires_at DESC OFFSET $4))
            """,
            tenantId, endpointId, now, MaxOldSecrets - 1))
        {
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var secret = WebhookSignature.NewSecret();
        await InsertSecretAsync(connection, transaction, tenantId, endpointId, secret, now, cancellationToken).ConfigureAwait(false);
        return new WebhookSecretIssued(secret, expires);
    }

    /// <summary>Queues a <see cref="WebhookMessages.TestEventType"/> message to the endpoint, due now.</summary>
    public async Task<WebhookSendResult> SendTestAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, CancellationToken cancellationToken = default)
    {
        var state = await EnabledAsync(connection, transaction, tenantId, endpointId, cancellationToken).ConfigureAwait(false);
        if (state is not true)
        {
            return new WebhookSendResult(state is null ? WebhookSendOutcome.NotFound : WebhookSendOutcome.EndpointDisabled);
        }

        var now = clock.GetUtcNow();
        var eventId = Guid.CreateVersion7();
        var messageId = WebhookMessages.IdFor(eventId);
        var data = System.Text.Json.JsonSerializer.Serialize(new { endpointId, message = "A test event: your endpoint receives and verifies webhooks." }, System.Text.Json.JsonSerializerOptions.Web);
        await using (var message = Command(connection, transaction,
            "INSERT INTO webhook_messages (tenant_id, id, event_id, event_type, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            tenantId, messageId, eventId, WebhookMessages.TestEventType, WebhookMessages.Body(WebhookMessages.TestEventType, now, data), now))
        {
            await message.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var delivery = Command(connection, transaction,
            """
            INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, message_id, status, trigger, next_attempt_at, created_at, updated_at)
            VALUES ($1, gen_random_uuid(), $2, $3, 'pending', 'test', $4, $4, $4)
            """,
            tenantId, endpointId, messageId, now))
        {
            await delivery.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new WebhookSendResult(WebhookSendOutcome.Queued, messageId);
    }

    /// <summary>
    /// Sends the message to the endpoint again under the same <c>webhook-id</c>: an attempt is due now, then the
    /// retry schedule from its start. Works for a message the endpoint never had (subscribed later).
    /// </summary>
    public async Task<WebhookSendResult> ReplayAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string messageId, Guid endpointId, CancellationToken cancellationToken = default)
    {
        var state = await EnabledAsync(connection, transaction, tenantId, endpointId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return new WebhookSendResult(WebhookSendOutcome.NotFound);
        }

        if (state is false)
        {
            return new WebhookSendResult(WebhookSendOutcome.EndpointDisabled);
        }

        var now = clock.GetUtcNow();
        await using var upsert = Command(connection, transaction,
            """
            INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, message_id, status, trigger, next_attempt_at, created_at, updated_at)
            SELECT $1, gen_random_uuid(), $2, m.id, 'pending', 'replay', $4, $4, $4 FROM webhook_messages m WHERE m.tenant_id = $1 AND m.id = $3
            ON CONFLICT (tenant_id, endpoint_id, message_id) DO UPDATE
                SET status = 'pending', trigger = 'replay', attempts = 0, next_attempt_at = $4, lease_token = NULL, updated_at = $4
            """,
            tenantId, endpointId, messageId, now);
        return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0
            ? new WebhookSendResult(WebhookSendOutcome.NotFound)
            : new WebhookSendResult(WebhookSendOutcome.Queued, messageId);
    }

    /// <summary>
    /// Recovers an endpoint after an outage: every delivery to it that failed for good and was created at or after
    /// <paramref name="since"/> is due again now (same <c>webhook-id</c>, the retry schedule from its start).
    /// </summary>
    /// <exception cref="ValidationFailedException"><paramref name="since"/> is missing, in the future, or older than <see cref="WebhookOptions.Retention"/>.</exception>
    public async Task<WebhookRecoverResult> RecoverAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, DateTimeOffset? since, CancellationToken cancellationToken = default)
    {
        // Whose endpoint first: a caller learns nothing about another organization's from the validation.
        var state = await EnabledAsync(connection, transaction, tenantId, endpointId, cancellationToken).ConfigureAwait(false);
        if (state is not true)
        {
            return new WebhookRecoverResult(state is null ? WebhookSendOutcome.NotFound : WebhookSendOutcome.EndpointDisabled, 0);
        }

        var now = clock.GetUtcNow();
        if (since is not { } from || from > now || from < now - options.Value.Retention)
        {
            throw ValidationFailedException.For("since", $"Give the time of the outage's start: in the past, within the last {options.Value.Retention.TotalDays:0.#} days.");
        }

        await using var requeue = Command(connection, transaction,
            """
            UPDATE webhook_deliveries SET status = 'pending', trigger = 'replay', attempts = 0, next_attempt_at = $4, lease_token = NULL, updated_at = $4
            WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'failed' AND created_at >= $3
            """,
            tenantId, endpointId, from, now);
        return new WebhookRecoverResult(WebhookSendOutcome.Queued, await requeue.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The delivery log, newest first: every attempt to <paramref name="endpointId"/> or of <paramref name="messageId"/>
    /// (one of them), continuing after (<paramref name="beforeAttemptedAt"/>, <paramref name="beforeId"/>).
    /// </summary>
    public async Task<IReadOnlyList<WebhookAttempt>> ListAttemptsAsync(
        Guid tenantId, Guid? endpointId, string? messageId, int limit, DateTimeOffset? beforeAttemptedAt = null, Guid? beforeId = null, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command(
            $"""
            SELECT {AttemptColumns} FROM webhook_attempts
            WHERE tenant_id = $1 AND ($2::uuid IS NULL OR endpoint_id = $2) AND ($3::text IS NULL OR message_id = $3)
              AND ($4::timestamptz IS NULL OR (attempted_at, id) < ($4, $5))
            ORDER BY attempted_at DESC, id DESC LIMIT $6
            """,
            tenantId, endpointId, messageId, beforeAttemptedAt, beforeId ?? Guid.Empty, limit);
        var attempts = new List<WebhookAttempt>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            attempts.Add(new WebhookAttempt(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetBoolean(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetString(10)));
        }

        return attempts;
    }

    /// <summary>True when the organization has a message with this id.</summary>
    public async Task<bool> MessageExistsAsync(Guid tenantId, string messageId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command("SELECT EXISTS (SELECT 1 FROM webhook_messages WHERE tenant_id = $1 AND id = $2)", tenantId, messageId);
        return (bool)(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<(string Url, string Description, string[] EventTypes)> CheckAsync(WebhookEndpointDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = new Dictionary<string, string[]>();
        var description = draft.Description?.Trim() ?? string.Empty;
        if (description.Length > MaxDescriptionLength)
        {
            errors["description"] = [$"A description is at most {MaxDescriptionLength} characters."];
        }

        var types = (draft.EventTypes ?? []).Select(t => t?.Trim() ?? string.Empty).Distinct(StringComparer.Ordinal).ToArray();
        var unknown = types.Where(t => !Messaging.EventTypes.All.Any(e => e.Type == t)).ToList();
        if (types.Length is 0 or > MaxEventTypes)
        {
            errors["eventTypes"] = [$"Subscribe to 1 to {MaxEventTypes} event types from GET /api/v1/webhooks/event-types."];
        }
        else if (unknown.Count > 0)
        {
            errors["eventTypes"] = [$"Not in the event catalogue: {string.Join(", ", unknown.Take(10))}."];
        }

        Uri? url = null;
        try
        {
            url = await targets.ValidateAsync(draft.Url, cancellationToken).ConfigureAwait(false);
        }
        catch (ValidationFailedException refused)
        {
            foreach (var (field, messages) in refused.Errors)
            {
                errors[field] = messages;
            }
        }

        return errors.Count > 0 ? throw new ValidationFailedException(errors) : (url!.AbsoluteUri, description, types);
    }

    private async Task InsertSecretAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, string secret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var insert = Command(connection, transaction,
            "INSERT INTO webhook_endpoint_secrets (tenant_id, endpoint_id, id, protected, created_at) VALUES ($1, $2, $3, $4, $5)",
            tenantId, endpointId, Guid.CreateVersion7(), _protector.Protect(secret), now);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, CancellationToken cancellationToken) =>
        await EnabledAsync(connection, transaction, tenantId, endpointId, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Whether the endpoint is enabled (locked for this transaction); null when there is none.</summary>
    private static async Task<bool?> EnabledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid endpointId, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, transaction, "SELECT enabled FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 FOR UPDATE", tenantId, endpointId);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as bool?;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    private static async Task<IReadOnlyList<WebhookEndpoint>> ReadEndpointsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var endpoints = new List<WebhookEndpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            endpoints.Add(new WebhookEndpoint(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return endpoints;
    }
}
