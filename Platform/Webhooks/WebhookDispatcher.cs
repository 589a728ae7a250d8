using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Access;
using Platform.Audit;
using Platform.Email;
using Platform.Messaging;
using Platform.Notifications;
using Platform.Security;
using Platform.Tenancy;

namespace Platform.Webhooks;

/// <summary>
/// Sends due webhook deliveries. Due attempts are rows (<c>webhook_deliveries.next_attempt_at</c>), so they survive
/// restarts; each round claims a batch with <c>FOR UPDATE SKIP LOCKED</c> and a lease, so any number of replicas
/// share the work and a replica that dies mid-attempt only delays it. Each attempt is a signed POST (Standard
/// Webhooks) through a client that never follows redirects and connects only where <see cref="WebhookTargetPolicy"/>
/// allows; only 2xx succeeds, 410 disables the endpoint, anything else is retried on the Svix schedule
/// (<see cref="Schedule"/>, ±20% jitter; at least a minute after a timeout or 429; <c>Retry-After</c> clamped to
/// [delay, 2 × delay]). An endpoint with only failures for <see cref="WebhookOptions.DisableAfterFailingFor"/> (a streak
/// that restarts after <see cref="WebhookOptions.FailureStreakResetAfter"/> without failures) is disabled: its owners
/// and admins get an in-app notification and an email (each as their preferences say), and
/// <see cref="EventTypes.WebhookEndpointDisabled"/> goes to the outbox. Whatever goes wrong with one delivery (an
/// unreadable secret, a log row PostgreSQL refuses) is recorded on that delivery alone: the batch goes on, and the
/// attempt and its status are kept even when its log entry cannot be.
/// </summary>
public sealed partial class WebhookDispatcher(
    NpgsqlDataSource dataSource,
    [FromKeyedServices(WebhookDispatcher.HttpClientKey)] HttpClient http,
    IDataProtectionProvider dataProtection,
    NotificationService notifications,
    AuditWriter audit,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger)
{
    /// <summary>The keyed <see cref="HttpClient"/> made by <see cref="CreateHttpClient"/>.</summary>
    public const string HttpClientKey = "webhooks";

    /// <summary>Response bytes kept in the log per attempt.</summary>
    public const int ResponseExcerptBytes = 1024;

    /// <summary>Error text bytes kept in the log per attempt.</summary>
    public const int MaxErrorBytes = 1000;

    /// <summary>Spread of each retry delay (±20%), so receivers coming back are not hit all at once.</summary>
    public const double Jitter = 0.2;

    /// <summary>When each attempt is due after the previous one failed: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.</summary>
    public static IReadOnlyList<TimeSpan> Schedule { get; } =
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>The least wait after a timeout or a 429: the receiver is overloaded.</summary>
    public static TimeSpan ThrottledDelay { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts one replica makes at once; a batch of <see cref="WebhookOptions.DeliveryBatchSize"/> takes ceil(size / this) request timeouts at worst.</summary>
    public const int Parallelism = 8;

    private readonly IDataProtector _protector = dataProtection.CreateProtector(WebhookEndpointService.SecretPurpose);
    private readonly WebhookOptions _options = options.Value;

    /// <summary>The client for webhook attempts: no redirects, no proxy, no cookies, and connections only to permitted addresses.</summary>
    public static HttpClient CreateHttpClient(WebhookTargetPolicy targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return new HttpClient(targets.CreateHandler())
        {
            // Each attempt has its own timeout (WebhookOptions.RequestTimeout), told apart from shutdown.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// The wait before the next attempt, after <paramref name="attemptsMade"/> failed ones (1 or more, fewer than the
    /// schedule's length); <paramref name="random"/> in [0, 1) picks the jitter.
    /// </summary>
    public static TimeSpan RetryDelay(int attemptsMade, bool throttled, TimeSpan? retryAfter, double random)
    {
        var delay = Schedule[attemptsMade] * (1 + (((random * 2) - 1) * Jitter));
        if (throttled && delay < ThrottledDelay)
        {
            delay = ThrottledDelay;
        }

        if (retryAfter is { } asked)
        {
            delay = asked < delay ? delay : asked > delay * 2 ? delay * 2 : asked;
        }

        // Whole milliseconds: the due time stored is the one computed.
        return TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds));
    }

    /// <summary>Claims the due deliveries (up to a batch), attempts each, records the results; returns how many were claimed.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        var due = await ClaimAsync(cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (delivery, ct) =>
        {
            try
            {
                await DeliverAsync(delivery, ct).ConfigureAwait(false);
            }
            catch (Exception error) when (!(error is OperationCanceledException && ct.IsCancellationRequested))
            {
                // One delivery's failure never cancels the others; the lease runs out and it is attempted again: at least once.
                LogRecordFailed(logger, delivery.TenantId, delivery.Id, error);
            }
        }).ConfigureAwait(false);
        return due.Count;
    }

    private sealed record DueDelivery(
        Guid TenantId, Guid Id, Guid EndpointId, string MessageId, int Attempts, Guid LeaseToken, string Trigger, string Url, bool Enabled, string Body, string[] Secrets);

    private sealed record AttemptResult(bool Succeeded, int? StatusCode, int LatencyMs, string? ResponseBody, string? Error, bool Throttled, TimeSpan? RetryAfter);

    private async Task<IReadOnlyList<DueDelivery>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using var claim = new NpgsqlCommand(
            """
            WITH due AS (
                SELECT tenant_id, id FROM webhook_deliveries
                WHERE status = 'pending' AND next_attempt_at <= $1
                ORDER BY next_attempt_at LIMIT $2
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE webhook_deliveries d SET next_attempt_at = $3, lease_token = gen_random_uuid()
                FROM due WHERE d.tenant_id = due.tenant_id AND d.id = due.id
                RETURNING d.tenant_id, d.id, d.endpoint_id, d.message_id, d.attempts, d.lease_token, d.trigger
            )
            SELECT c.tenant_id, c.id, c.endpoint_id, c.message_id, c.attempts, c.lease_token, c.trigger, e.url, e.enabled, m.body,
                   ARRAY(SELECT s.protected FROM webhook_endpoint_secrets s
                         WHERE s.tenant_id = c.tenant_id AND s.endpoint_id = c.endpoint_id AND (s.expires_at IS NULL OR s.expires_at > $1)
                         ORDER BY s.expires_at IS NULL DESC, s.created_at DESC)
            FROM claimed c
            JOIN webhook_endpoints e ON e.tenant_id = c.tenant_id AND e.id = c.endpoint_id
            JOIN webhook_messages m ON m.tenant_id = c.tenant_id AND m.id = c.message_id
            """,
            connection, transaction)
        {
            Parameters = { new() { Value = now }, new() { Value = _options.DeliveryBatchSize }, new() { Value = now + _options.DeliveryLease } },
        };
        var due = new List<DueDelivery>();
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                due.Add(new DueDelivery(
                    reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt32(4), reader.GetGuid(5), reader.GetString(6),
                    reader.GetString(7), reader.GetBoolean(8), reader.GetString(9), reader.GetFieldValue<string[]>(10)));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return due;
    }

    private async Task DeliverAsync(DueDelivery delivery, CancellationToken cancellationToken)
    {
        if (!delivery.Enabled)
        {
            // Switched off since it was queued: nothing is sent.
            await using var cancelled = await TenantTransaction.BeginAsync(dataSource, delivery.TenantId, userId: null, cancellationToken).ConfigureAwait(false);
            await SettleAsync(cancelled, delivery, "cancelled", delivery.Attempts, null, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            await cancelled.CommitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var attemptedAt = clock.GetUtcNow();
        var result = await AttemptAsync(delivery, attemptedAt, cancellationToken).ConfigureAwait(false);
        // No connection is held while the receiver answers.
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, delivery.TenantId, userId: null, cancellationToken).ConfigureAwait(false);
        var attempts = delivery.Attempts + 1;
        var gone = result.StatusCode == (int)HttpStatusCode.Gone;
        var (status, next) = result.Succeeded ? ("succeeded", (DateTimeOffset?)null)
            : gone || attempts >= Schedule.Count ? ("failed", null)
            : ("pending", attemptedAt + RetryDelay(attempts, result.Throttled, result.RetryAfter, Random.Shared.NextDouble()));
        var current = await SettleAsync(transaction, delivery, status, attempts, next, attemptedAt, cancellationToken).ConfigureAwait(false);

        await LogAttemptAsync(transaction, delivery, attemptedAt, result, cancellationToken).ConfigureAwait(false);

        var notified = new List<(Guid UserId, Notification Notification)>();
        if (current)
        {
            string? disableFor = gone ? "gone" : null;
            // A streak is failures with no success between them and no quiet day: an endpoint that failed once last
            // week and again today has not been failing all week.
            await using var streak = transaction.Command(
                result.Succeeded
                    ? "UPDATE webhook_endpoints SET failing_since = NULL, last_failure_at = NULL WHERE tenant_id = $1 AND id = $2 RETURNING failing_since"
                    : """
                      UPDATE webhook_endpoints
                      SET failing_since = CASE WHEN failing_since IS NULL OR last_failure_at IS NULL OR last_failure_at < $3 - $4 THEN $3 ELSE failing_since END,
                          last_failure_at = GREATEST(last_failure_at, $3)
                      WHERE tenant_id = $1 AND id = $2 RETURNING failing_since
                      """,
                delivery.TenantId, delivery.EndpointId, attemptedAt, _options.FailureStreakResetAfter);
            var failingSince = await streak.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime started
                ? new DateTimeOffset(DateTime.SpecifyKind(started, DateTimeKind.Utc))
                : (DateTimeOffset?)null;
            if (!result.Succeeded && failingSince is { } since && attemptedAt - since >= _options.DisableAfterFailingFor)
            {
                disableFor ??= "failing";
            }

            if (disableFor is not null)
            {
                notified = await DisableAsync(transaction, delivery, disableFor, failingSince, attemptedAt, result, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            LogAttemptFailed(logger, delivery.TenantId, delivery.EndpointId, delivery.MessageId, attempts, result.StatusCode, result.Error);
        }

        foreach (var (userId, notification) in notified)
        {
            await notifications.PublishAsync(delivery.TenantId, userId, notification, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records the delivery's new state if this claim still holds it; false when another claim took over (lease expired).</summary>
    private static async Task<bool> SettleAsync(
        TenantTransaction transaction, DueDelivery delivery, string status, int attempts, DateTimeOffset? next, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var settle = transaction.Command(
            """
            UPDATE webhook_deliveries SET status = $3, attempts = $4, next_attempt_at = $5, lease_token = NULL, updated_at = $6
            WHERE tenant_id = $1 AND id = $2 AND lease_token = $7
            """,
            delivery.TenantId, delivery.Id, status, attempts, next, now, delivery.LeaseToken);
        return await settle.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Writes the attempt's log entry under a savepoint: if PostgreSQL refuses it, only the entry is lost, never the
    /// recorded status and attempt count (which would otherwise be rolled back and the message sent again every lease).
    /// </summary>
    private async Task LogAttemptAsync(TenantTransaction transaction, DueDelivery delivery, DateTimeOffset attemptedAt, AttemptResult result, CancellationToken cancellationToken)
    {
        const string Savepoint = "webhook_attempt_log";
        await transaction.Transaction.SaveAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var log = transaction.Command(
                """
                INSERT INTO webhook_attempts (tenant_id, id, delivery_id, endpoint_id, message_id, attempted_at, succeeded, status_code, latency_ms, response_body, error, trigger)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """,
                delivery.TenantId, Guid.CreateVersion7(), delivery.Id, delivery.EndpointId, delivery.MessageId, attemptedAt, result.Succeeded,
                result.StatusCode, result.LatencyMs, Printable(result.ResponseBody, ResponseExcerptBytes), Printable(result.Error, MaxErrorBytes), delivery.Trigger);
            await log.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.Transaction.ReleaseAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is PostgresException or ArgumentException or EncoderFallbackException or InvalidCastException)
        {
            await transaction.Transaction.RollbackAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            LogAttemptNotLogged(logger, delivery.TenantId, delivery.Id, error);
        }
    }

    /// <summary>
    /// Text PostgreSQL stores whatever a receiver sent: no NUL, no lone surrogate (each becomes U+FFFD), and at most
    /// <paramref name="maxBytes"/> UTF-8 bytes, cut between whole characters.
    /// </summary>
    internal static string? Printable(string? text, int maxBytes)
    {
        if (text is null)
        {
            return null;
        }

        var clean = new StringBuilder(text.Length);
        var bytes = 0;
        for (var index = 0; index < text.Length;)
        {
            var rune = Rune.DecodeFromUtf16(text.AsSpan(index), out var value, out var consumed) == System.Buffers.OperationStatus.Done && value.Value != 0
                ? value
                : Rune.ReplacementChar;
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            clean.Append(rune.ToString());
            bytes += rune.Utf8SequenceLength;
            index += Math.Max(consumed, 1);
        }

        return clean.ToString();
    }

    private async Task<AttemptResult> AttemptAsync(DueDelivery delivery, DateTimeOffset attemptedAt, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var timestamp = attemptedAt.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", delivery.MessageId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("user-agent", "BusinessPlatform-Webhooks/1");
        try
        {
            request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.Sign(delivery.MessageId, timestamp, body, delivery.Secrets.Select(_protector.Unprotect)));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // A secret the key ring cannot read (or that is malformed) is the platform's fault: retried like any failure, detail logged here.
            LogSigningFailed(logger, delivery.TenantId, delivery.EndpointId, error);
            return new AttemptResult(false, null, 0, null, "The platform could not sign this delivery; it is retried. Rotate the endpoint's secret if this persists.", Throttled: false, null);
        }

        var started = clock.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var excerpt = await ExcerptAsync(response, timeout.Token).ConfigureAwait(false);
            var retryAfter = response.Headers.RetryAfter is { } header ? header.Delta ?? (header.Date - attemptedAt) : null;
            return new AttemptResult(
                response.IsSuccessStatusCode, (int)response.StatusCode, Elapsed(started), excerpt, null, response.StatusCode == HttpStatusCode.TooManyRequests, retryAfter);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(false, null, Elapsed(started), null, $"No response within {_options.RequestTimeout.TotalSeconds:0.#} s.", Throttled: true, null);
        }
        catch (HttpRequestException error)
        {
            return new AttemptResult(false, null, Elapsed(started), null, Describe(error), Throttled: false, null);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogSendFailed(logger, delivery.TenantId, delivery.EndpointId, error);
            return new AttemptResult(false, null, Elapsed(started), null, "The request could not be sent.", Throttled: false, null);
        }
    }

    private int Elapsed(long started) => (int)Math.Min(int.MaxValue, clock.GetElapsedTime(started).TotalMilliseconds);

    /// <summary>What went wrong, in one line: a refused target names the rule, anything else its innermost cause.</summary>
    private static string Describe(HttpRequestException error)
    {
        Exception cause = error;
        for (Exception? inner = error; inner is not null; inner = inner.InnerException)
        {
            cause = inner;
            if (inner is OutboundTargetRefusedException)
            {
                break;
            }
        }

        return cause is OutboundTargetRefusedException ? "Refused: " + cause.Message : $"{cause.GetType().Name}: {cause.Message}";
    }

    /// <summary>The first <see cref="ResponseExcerptBytes"/> bytes of the response, as text of at most that many UTF-8 bytes.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[ResponseExcerptBytes];
            var read = 0;
            while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false) is var n and > 0)
            {
                read += n;
            }

            // A character cut at the end is dropped, not turned into U+FFFD; invalid bytes and NUL become U+FFFD.
            var length = read == buffer.Length ? CompleteUtf8Length(buffer) : read;
            return read == 0 ? null : Printable(Encoding.UTF8.GetString(buffer, 0, length), ResponseExcerptBytes);
        }
        catch (Exception error) when (error is IOException or HttpRequestException)
        {
            return null; // the status decides; a body that breaks off is only not logged
        }
    }

    /// <summary>The length of <paramref name="bytes"/> without a multi-byte UTF-8 sequence that the end cuts short.</summary>
    private static int CompleteUtf8Length(ReadOnlySpan<byte> bytes)
    {
        // A sequence is at most 4 bytes: look back for its lead byte.
        for (var back = 1; back <= Math.Min(4, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte
            }

            var needed = (b & 0x80) == 0 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? bytes.Length - back : bytes.Length;
        }

        return bytes.Length;
    }

    /// <summary>
    /// Turns the endpoint off (once), cancels its pending deliveries, and tells the organization: an in-app notification
    /// to each owner and admin, the integration event for email, an audit entry. Returns the notifications to announce.
    /// </summary>
    private async Task<List<(Guid UserId, Notification Notification)>> DisableAsync(
        TenantTransaction transaction, DueDelivery delivery, string reason, DateTimeOffset? failingSince, DateTimeOffset now, AttemptResult last, CancellationToken cancellationToken)
    {
        var sent = new List<(Guid, Notification)>();
        await using (var disable = transaction.Command(
            "UPDATE webhook_endpoints SET enabled = false, disabled_reason = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 AND enabled",
            delivery.TenantId, delivery.EndpointId, reason, now))
        {
            if (await disable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return sent;
            }
        }

        await using (var cancel = transaction.Command(
            "UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, lease_token = NULL, updated_at = $3 WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'pending'",
            delivery.TenantId, delivery.EndpointId, now))
        {
            await cancel.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var details = new { endpointId = delivery.EndpointId, url = delivery.Url, reason, failingSince, disabledAt = now };
        await Outbox.AddAsync(transaction.Connection, transaction.Transaction,
            IntegrationEvent.Create(EventTypes.WebhookEndpointDisabled, delivery.TenantId, details), cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(transaction.Connection, transaction.Transaction, new AuditEntry(
            delivery.TenantId, AuditActorType.System, null, "webhook_endpoint.disabled", "webhook_endpoint", delivery.EndpointId.ToString(),
            AuditChanges.Of(null, new { reason, url = delivery.Url, failingSince })), cancellationToken).ConfigureAwait(false);

        // The people who can fix it: the organization's owners and admins.
        var recipients = new List<Guid>();
        await using (var select = transaction.Command(
            "SELECT DISTINCT user_id FROM member_roles WHERE tenant_id = $1 AND role_id = ANY ($2)",
            delivery.TenantId, new[] { SystemRoles.Owner.Id, SystemRoles.Admin.Id }))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                recipients.Add(reader.GetGuid(0));
            }
        }

        // The failed attempts of the streak (this one included, its log entry may be missing).
        long failures;
        await using (var count = transaction.Command(
            "SELECT count(*) FROM webhook_attempts WHERE tenant_id = $1 AND endpoint_id = $2 AND NOT succeeded AND attempted_at >= $3 AND attempted_at < $4",
            delivery.TenantId, delivery.EndpointId, failingSince ?? now, now))
        {
            failures = 1 + (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var title = reason == "gone" ? "A webhook endpoint was disabled: it answered 410 Gone." : "A webhook endpoint was disabled after failing for days.";
        var body = $"{delivery.Url} no longer receives events. Fix the receiver, then enable the endpoint again.";
        // Another channel than the webhooks that fail: an email to each owner and admin who did not turn it off.
        var email = new NotificationEmail(EmailTemplates.WebhookEndpointDisabled, new Dictionary<string, object?>
        {
            ["endpointUrl"] = delivery.Url,
            ["failures"] = failures,
            ["disabledAt"] = now.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["lastError"] = last.StatusCode is { } status ? $"HTTP {status}" : Printable(last.Error, 300),
        });
        foreach (var userId in recipients)
        {
            // One member's email that cannot be made (an address the email module refuses...) must not undo the disabling.
            const string Savepoint = "webhook_disabled_notice";
            await transaction.Transaction.SaveAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            try
            {
                var notification = await notifications.CreateAsync(
                    transaction.Connection, transaction.Transaction, delivery.TenantId, userId, EventTypes.WebhookEndpointDisabled, title,
                    body.Length > NotificationService.MaxBodyLength ? body[..NotificationService.MaxBodyLength] : body,
                    $"/webhooks/endpoints/{delivery.EndpointId}", email, cancellationToken).ConfigureAwait(false);
                await transaction.Transaction.ReleaseAsync(Savepoint, cancellationToken).ConfigureAwait(false);
                if (notification is not null)
                {
                    sent.Add((userId, notification));
                }
            }
            catch (Exception error) when (error is not OperationCanceledException && error is not NpgsqlException { IsTransient: true })
            {
                await transaction.Transaction.RollbackAsync(Savepoint, cancellationToken).ConfigureAwait(false);
                LogNoticeFailed(logger, delivery.TenantId, delivery.EndpointId, userId, error);
                // In-app at least.
                var notification = await NotificationService.InsertAsync(
                    transaction.Connection, transaction.Transaction, delivery.TenantId, userId, EventTypes.WebhookEndpointDisabled, title,
                    body.Length > NotificationService.MaxBodyLength ? body[..NotificationService.MaxBodyLength] : body,
                    $"/webhooks/endpoints/{delivery.EndpointId}", cancellationToken).ConfigureAwait(false);
                if (notification is not null)
                {
                    sent.Add((userId, notification));
                }
            }
        }

        LogDisabled(logger, delivery.TenantId, delivery.EndpointId, reason);
        return sent;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook attempt {Attempt} of {MessageId} to endpoint {EndpointId} of {TenantId} failed: {StatusCode} {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, Guid tenantId, Guid endpointId, string messageId, int attempt, int? statusCode, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} of {TenantId} disabled ({Reason})")]
    private static partial void LogDisabled(ILogger logger, Guid tenantId, Guid endpointId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook attempt of delivery {DeliveryId} of {TenantId} recorded without its log entry")]
    private static partial void LogAttemptNotLogged(ILogger logger, Guid tenantId, Guid deliveryId, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Member {UserId} of {TenantId} could not be told that webhook endpoint {EndpointId} was disabled")]
    private static partial void LogNoticeFailed(ILogger logger, Guid tenantId, Guid endpointId, Guid userId, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery to endpoint {EndpointId} of {TenantId} could not be signed")]
    private static partial void LogSigningFailed(ILogger logger, Guid tenantId, Guid endpointId, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook request to endpoint {EndpointId} of {TenantId} could not be sent")]
    private static partial void LogSendFailed(ILogger logger, Guid tenantId, Guid endpointId, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId} of {TenantId} could not be recorded; it is attempted again when its lease ends")]
    private static partial void LogRecordFailed(ILogger logger, Guid tenantId, Guid deliveryId, Exception error);
}
