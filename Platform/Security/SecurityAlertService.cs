using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Audit;
using Platform.Email;
using Platform.Tenancy;

namespace Platform.Security;

/// <summary>
/// Security alerts of an organization: raised from security events, delivered in-app to the organization's security
/// contacts on a schedule that follows severity, and marked read.
/// </summary>
/// <remarks>
/// <para>Delivery times: critical at once, high within 5 minutes, medium within 15, low in a daily digest at
/// <see cref="SecurityMonitoringOptions.DigestHourUtc"/>. Delaying high and medium alerts by a few minutes is not a
/// queue artifact: it lets a later channel (email, chat) batch a burst instead of paging someone per event.</para>
/// <para>Which events raise alerts (see <see cref="SecurityEventRecorder"/>): refresh-token reuse and suspected brute
/// force (high), API key misuse, lockouts, second-factor changes and bursts of permission denials (medium), and
/// blocked addresses and sign-ins from a new location (low). Single failed sign-ins, rate-limit hits and single
/// denials are recorded and counted but raise nothing: they are routine, and alert fatigue hides real attacks.</para>
/// <para>In-app delivery means the alert shows in <see cref="ListForUserAsync"/> for each contact whose minimum
/// severity it meets. An organization without contacts still records its alerts; they show to nobody until one is set.</para>
/// <para>Email delivery (when an <see cref="EmailService"/> is given): the <c>security_alert</c> email is queued in the
/// delivery's transaction to each contact whose minimum severity the alert meets; an organization without contacts emails
/// its owners and admins instead, so no alert goes unseen.</para>
/// </remarks>
public sealed partial class SecurityAlertService(
    NpgsqlDataSource dataSource,
    AuditWriter auditWriter,
    IOptions<SecurityMonitoringOptions> options,
    TimeProvider timeProvider,
    ILogger<SecurityAlertService> logger,
    EmailService? email = null)
{
    /// <summary>The <see cref="SecurityAlert.EventType"/> of a daily digest.</summary>
    public const string DigestEventType = "digest";

    private const string AlertColumns = "tenant_id, id, event_type, severity, title, detail, created_at, deliver_after, delivered_at, read_at";

    /// <summary>When an alert of <paramref name="severity"/> raised at <paramref name="raisedAt"/> becomes due.</summary>
    public DateTimeOffset DeliverAfter(SecuritySeverity severity, DateTimeOffset raisedAt) => severity switch
    {
        SecuritySeverity.Critical => raisedAt,
        SecuritySeverity.High => raisedAt.AddMinutes(5),
        SecuritySeverity.Medium => raisedAt.AddMinutes(15),
        _ => NextDigest(raisedAt),
    };

    /// <summary>Raises an alert for <paramref name="tenantId"/> in its own transaction.</summary>
    public async Task<SecurityAlert> RaiseAsync(
        Guid tenantId, string eventType, SecuritySeverity severity, string title, string? detail, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        var alert = await RaiseAsync(transaction, tenantId, eventType, severity, title, detail, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return alert;
    }

    /// <summary>Raises an alert inside the caller's transaction (which must have <c>app.tenant_id</c> set to <paramref name="tenantId"/>).</summary>
    internal async Task<SecurityAlert> RaiseAsync(
        TenantTransaction transaction,
        Guid tenantId,
        string eventType,
        SecuritySeverity severity,
        string title,
        string? detail,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventType);
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        var now = timeProvider.GetUtcNow();
        var alert = new SecurityAlert(
            tenantId,
            Guid.CreateVersion7(now),
            eventType,
            severity,
            Truncate(title, 200)!,
            Truncate(detail, 4000),
            now,
            DeliverAfter(severity, now),
            null,
            null);
        await using var command = transaction.Command(
            "INSERT INTO security_alerts (tenant_id, id, event_type, severity, title, detail, created_at, deliver_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            alert.TenantId,
            alert.Id,
            alert.EventType,
            alert.Severity.ToName(),
            alert.Title,
            alert.Detail,
            alert.CreatedAt,
            alert.DeliverAfter);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        LogRaised(logger, tenantId, alert.Id, eventType, alert.Severity);
        return alert;
    }

    /// <summary>
    /// Delivers every alert due at <paramref name="now"/> in every organization: marks it delivered (in-app) and returns
    /// it with its recipients. Low alerts due are folded into one digest per organization, delivered in their place.
    /// Safe to run on several workers at once: each organization is delivered by one of them.
    /// </summary>
    public async Task<IReadOnlyList<SecurityAlertDelivery>> DeliverDueAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var tenants = new List<Guid>();
        await using (var command = dataSource.CreateCommand("SELECT security_alert_tenants_due($1)"))
        {
            command.Parameters.Add(new() { Value = now });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tenants.Add(reader.GetGuid(0));
            }
        }

        var deliveries = new List<SecurityAlertDelivery>();
        foreach (var tenantId in tenants)
        {
            deliveries.AddRange(await DeliverTenantAsync(tenantId, now, cancellationToken).ConfigureAwait(false));
        }

        return deliveries;
    }

    /// <summary>
    /// The alerts delivered to <paramref name="userId"/> in <paramref name="tenantId"/>, newest first: those at or above
    /// their minimum severity, with digests standing for the low alerts they fold. Empty for a user who is not a contact.
    /// </summary>
    public async Task<IReadOnlyList<SecurityAlert>> ListForUserAsync(
        Guid tenantId, Guid userId, bool unreadOnly = false, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 500);
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var command = transaction.Command(
            $"""
            SELECT {Prefixed("a")}
            FROM security_alerts a
            JOIN security_contacts c ON c.tenant_id = a.tenant_id AND c.user_id = $2
            WHERE a.tenant_id = $1 AND a.delivered_at IS NOT NULL AND a.digest_id IS NULL
              AND security_severity_rank(a.severity) >= security_severity_rank(c.min_severity)
              AND (NOT $3 OR a.read_at IS NULL)
            ORDER BY a.delivered_at DESC, a.id DESC
            LIMIT $4
            """,
            tenantId,
            userId,
            unreadOnly,
            limit);
        var alerts = await ReadAlertsAsync(command, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return alerts;
    }

    /// <summary>Marks an alert delivered to <paramref name="userId"/> read (for the whole organization: it is an acknowledgement). Audited.</summary>
    /// <exception cref="SecurityNotFoundException">No such alert was delivered to the user.</exception>
    public async Task MarkReadAsync(Guid tenantId, Guid userId, Guid alertId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var command = transaction.Command(
            """
            UPDATE security_alerts a SET read_at = COALESCE(a.read_at, $4)
            FROM security_contacts c
            WHERE a.tenant_id = $1 AND a.id = $3 AND a.delivered_at IS NOT NULL
              AND c.tenant_id = a.tenant_id AND c.user_id = $2
              AND security_severity_rank(a.severity) >= security_severity_rank(c.min_severity)
            """,
            tenantId,
            userId,
            alertId,
            timeProvider.GetUtcNow());
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new SecurityNotFoundException(SecurityNotFoundException.AlertNotFound, "No such security alert was delivered to you in this organization.");
        }

        await auditWriter.AppendAsync(
            transaction.Connection,
            transaction.Transaction,
            new AuditEntry(tenantId, AuditActorType.User, userId, "security_alert.read", "security_alert", alertId.ToString()),
            cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes a member a security contact (or changes their minimum severity). Audited.</summary>
    /// <exception cref="SecurityRuleViolationException">The user is not a member of the organization.</exception>
    public async Task SetContactAsync(Guid tenantId, Guid actorUserId, Guid userId, SecuritySeverity minSeverity, CancellationToken cancellationToken = default)
    {
        var severity = minSeverity.ToName();
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using (var command = transaction.Command(
            "INSERT INTO security_contacts (tenant_id, user_id, min_severity) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, user_id) DO UPDATE SET min_severity = excluded.min_severity",
            tenantId,
            userId,
            severity))
        {
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                throw new SecurityRuleViolationException(SecurityRuleViolationException.NotAMember, "Only a member of the organization can be a security contact.");
            }
        }

        await auditWriter.AppendAsync(
            transaction.Connection,
            transaction.Transaction,
            new AuditEntry(tenantId, AuditActorType.User, actorUserId, "security_contact.set", "security_contact", userId.ToString(), AuditChanges.Of(null, new { min_severity = severity })),
            cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops sending alerts to <paramref name="userId"/>; true if they were a contact. Audited.</summary>
    public async Task<bool> RemoveContactAsync(Guid tenantId, Guid actorUserId, Guid userId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var command = transaction.Command("DELETE FROM security_contacts WHERE tenant_id = $1 AND user_id = $2", tenantId, userId);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await auditWriter.AppendAsync(
            transaction.Connection,
            transaction.Transaction,
            new AuditEntry(tenantId, AuditActorType.User, actorUserId, "security_contact.removed", "security_contact", userId.ToString()),
            cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The organization's security contacts.</summary>
    public async Task<IReadOnlyList<SecurityContact>> ListContactsAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        await using var command = transaction.Command("SELECT user_id, min_severity FROM security_contacts WHERE tenant_id = $1 ORDER BY user_id", tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var contacts = new List<SecurityContact>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            contacts.Add(new SecurityContact(reader.GetGuid(0), SecurityEventTypes.ParseSeverity(reader.GetString(1))));
        }

        return contacts;
    }

    private async Task<IReadOnlyList<SecurityAlertDelivery>> DeliverTenantAsync(Guid tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        // One worker per organization per run; another finding the lock taken moves on instead of waiting,
        // and could otherwise fold the same low alerts into a second digest.
        await using (var tryLock = transaction.Command("SELECT pg_try_advisory_xact_lock(hashtextextended('security_alerts:' || $1::text, 0))", tenantId))
        {
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return [];
            }
        }

        List<SecurityAlert> delivered;
        await using (var deliver = transaction.Command(
            $"""
            UPDATE security_alerts SET delivered_at = $2
            WHERE tenant_id = $1 AND delivered_at IS NULL AND deliver_after <= $2 AND severity <> 'low'
            RETURNING {AlertColumns}
            """,
            tenantId,
            now))
        {
            delivered = await ReadAlertsAsync(deliver, cancellationToken).ConfigureAwait(false);
        }

        var lows = new List<(Guid Id, string EventType)>();
        await using (var dueLows = transaction.Command(
            "SELECT id, event_type FROM security_alerts WHERE tenant_id = $1 AND delivered_at IS NULL AND deliver_after <= $2 AND severity = 'low' ORDER BY created_at, id",
            tenantId,
            now))
        await using (var reader = await dueLows.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                lows.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }

        if (lows.Count > 0)
        {
            delivered.Add(await FoldIntoDigestAsync(transaction, tenantId, now, lows, cancellationToken).ConfigureAwait(false));
        }

        var contacts = new List<SecurityContact>();
        await using (var readContacts = transaction.Command("SELECT user_id, min_severity FROM security_contacts WHERE tenant_id = $1 ORDER BY user_id", tenantId))
        await using (var reader = await readContacts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                contacts.Add(new SecurityContact(reader.GetGuid(0), SecurityEventTypes.ParseSeverity(reader.GetString(1))));
            }
        }

        if (email is not null && delivered.Count > 0)
        {
            await QueueEmailsAsync(transaction, tenantId, delivered, contacts, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogDelivered(logger, tenantId, delivered.Count, lows.Count);
        return [.. delivered.Select(alert => new SecurityAlertDelivery(
            alert,
            [.. contacts.Where(c => alert.Severity >= c.MinSeverity).Select(c => c.UserId)]))];
    }

    /// <summary>Queues each alert's email to its recipients in the delivery's transaction (keyed to the organization).</summary>
    private async Task QueueEmailsAsync(TenantTransaction transaction, Guid tenantId, List<SecurityAlert> alerts, List<SecurityContact> contacts, CancellationToken cancellationToken)
    {
        var fallback = new List<Guid>();
        if (contacts.Count == 0)
        {
            await using var owners = transaction.Command(
                "SELECT DISTINCT user_id FROM member_roles WHERE tenant_id = $1 AND role_id = ANY($2) ORDER BY user_id",
                tenantId,
                new[] { Access.SystemRoles.Owner.Id, Access.SystemRoles.Admin.Id });
            await using var reader = await owners.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                fallback.Add(reader.GetGuid(0));
            }
        }

        var addresses = new Dictionary<Guid, string>();
        await using (var users = transaction.Command(
            "SELECT id, email FROM users WHERE id = ANY($1) AND email IS NOT NULL",
            contacts.Select(c => c.UserId).Concat(fallback).Distinct().ToArray()))
        await using (var reader = await users.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                addresses[reader.GetGuid(0)] = reader.GetString(1);
            }
        }

        foreach (var alert in alerts)
        {
            var recipients = contacts.Count > 0 ? contacts.Where(c => alert.Severity >= c.MinSeverity).Select(c => c.UserId) : fallback;
            foreach (var userId in recipients)
            {
                if (!addresses.TryGetValue(userId, out var address))
                {
                    continue;
                }

                await email!.QueueAsync(transaction.Connection, transaction.Transaction, new EmailRequest(tenantId, EmailTemplates.SecurityAlert, address, null, new Dictionary<string, object?>
                {
                    ["title"] = alert.Title,
                    ["severity"] = alert.Severity.ToName(),
                    ["raisedAt"] = alert.CreatedAt,
                    ["detail"] = alert.Detail,
                    ["alertsUrl"] = email.AppLink("/security/alerts"),
                }), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<SecurityAlert> FoldIntoDigestAsync(
        TenantTransaction transaction, Guid tenantId, DateTimeOffset now, List<(Guid Id, string EventType)> lows, CancellationToken cancellationToken)
    {
        var detail = new StringBuilder();
        foreach (var group in lows.GroupBy(l => l.EventType, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            detail.Append(CultureInfo.InvariantCulture, $"{group.Key}: {group.Count()}").Append('\n');
        }

        var digest = new SecurityAlert(
            tenantId,
            Guid.CreateVersion7(now),
            DigestEventType,
            SecuritySeverity.Low,
            lows.Count == 1 ? "Security digest: 1 low-severity alert" : $"Security digest: {lows.Count} low-severity alerts",
            Truncate(detail.ToString().TrimEnd('\n'), 4000),
            now,
            now,
            now,
            null);
        await using (var insert = transaction.Command(
            "INSERT INTO security_alerts (tenant_id, id, event_type, severity, title, detail, created_at, deliver_after, delivered_at) VALUES ($1, $2, $3, 'low', $4, $5, $6, $6, $6)",
            tenantId,
            digest.Id,
            digest.EventType,
            digest.Title,
            digest.Detail,
            now))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var fold = transaction.Command(
            "UPDATE security_alerts SET delivered_at = $2, digest_id = $3 WHERE tenant_id = $1 AND id = ANY($4)",
            tenantId,
            now,
            digest.Id,
            lows.Select(l => l.Id).ToArray());
        await fold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return digest;
    }

    private DateTimeOffset NextDigest(DateTimeOffset after)
    {
        var utc = after.ToUniversalTime();
        var hour = Math.Clamp(options.Value.DigestHourUtc, 0, 23);
        var candidate = new DateTimeOffset(utc.Year, utc.Month, utc.Day, hour, 0, 0, TimeSpan.Zero);
        return candidate > utc ? candidate : candidate.AddDays(1);
    }

    private static async Task<List<SecurityAlert>> ReadAlertsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var alerts = new List<SecurityAlert>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            alerts.Add(new SecurityAlert(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetString(2),
                SecurityEventTypes.ParseSeverity(reader.GetString(3)),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        }

        return alerts;
    }

    private static string Prefixed(string alias) => string.Join(", ", AlertColumns.Split(", ").Select(c => alias + "." + c));

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..(length - 1)] + "…";

    [LoggerMessage(Level = LogLevel.Information, Message = "Security alert {AlertId} raised for tenant {TenantId}: {EventType} ({Severity})")]
    private static partial void LogRaised(ILogger logger, Guid tenantId, Guid alertId, string eventType, SecuritySeverity severity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {Count} security alerts for tenant {TenantId} ({LowCount} low ones in a digest)")]
    private static partial void LogDelivered(ILogger logger, Guid tenantId, int count, int lowCount);
}
