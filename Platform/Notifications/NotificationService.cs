using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Audit;
using Platform.Caching;
using Platform.Email;
using Platform.Tenancy;
using Platform.Validation;

namespace Platform.Notifications;

/// <summary>One in-app notification of a member.</summary>
public sealed record Notification(Guid Id, string Type, string Title, string? Body, string? Link, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

/// <summary>The email to send for a notification whose type has a template of its own (instead of the generic <c>notification</c> one).</summary>
public sealed record NotificationEmail(string Template, IReadOnlyDictionary<string, object?> Model);

/// <summary>A member's choice for one notification type: which channels deliver it.</summary>
public sealed record NotificationPreference(string Type, bool InApp, bool Email);

/// <summary>The channels a member gets one type of notification on, with what the type is for.</summary>
public sealed record NotificationChannels(string Type, string Description, bool InApp, bool Email);

/// <summary>
/// Members' in-app notifications: sent by the platform, listed and marked read by their member only (row-level
/// security keys both the organization and the user). Each one sent is also published on the member's Redis channel,
/// which the Api's event stream relays to connected clients at once. When the member's email channel is on for the type
/// (no preference means on), the notification is also queued as an email in the same transaction.
/// </summary>
public sealed partial class NotificationService(
    NpgsqlDataSource dataSource, RedisClient redis, AuditWriter audit, RequestOrigin origin, ILogger<NotificationService> logger, EmailService? email = null)
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 2000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns = "id, type, title, body, link, created_at, read_at";

    /// <summary>The Redis channel that carries a member's new notifications (JSON), for live streams.</summary>
    public static string Channel(Guid tenantId, Guid userId) => $"notifications:{tenantId:N}:{userId:N}";

    /// <summary>Sends a notification to a member of the organization (and emails it when their email channel is on); null when they turned this type off in-app.</summary>
    /// <exception cref="ValidationFailedException">A text is empty or too long.</exception>
    public async Task<Notification?> SendAsync(Guid tenantId, Guid userId, string type, string title, string? body = null, string? link = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(title);
        title = title.Trim();
        if (title.Length is 0 or > MaxTitleLength)
        {
            throw ValidationFailedException.For("title", $"A notification title is 1 to {MaxTitleLength} characters.");
        }

        if (body?.Length > MaxBodyLength)
        {
            throw ValidationFailedException.For("body", $"A notification body is at most {MaxBodyLength} characters.");
        }

        Notification? notification;
        await using (var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false))
        {
            notification = await CreateAsync(transaction.Connection, transaction.Transaction, tenantId, userId, type, title, body, link, emailOverride: null, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (notification is not null)
        {
            await PublishAsync(tenantId, userId, notification, cancellationToken).ConfigureAwait(false);
        }

        return notification;
    }

    /// <summary>
    /// Delivers a notification in the caller's transaction (keyed to the organization): stores it unless the member turned
    /// its type off in-app (null then), and queues it as an email when their email channel is on for the type, with
    /// <paramref name="emailOverride"/>'s template or the generic <c>notification</c> one. Call <see cref="PublishAsync"/>
    /// once the transaction is committed.
    /// </summary>
    public async Task<Notification?> CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid userId, string type, string title, string? body, string? link,
        NotificationEmail? emailOverride = null, CancellationToken cancellationToken = default)
    {
        var notification = await InsertAsync(connection, transaction, tenantId, userId, type, title, body, link, cancellationToken).ConfigureAwait(false);
        await QueueEmailAsync(connection, transaction, tenantId, userId, type, title, body, link, emailOverride, cancellationToken).ConfigureAwait(false);
        return notification;
    }

    /// <summary>Whether the member wants <paramref name="type"/> by email (no preference: yes), and their address.</summary>
    public static async Task<(bool Wanted, string? Address, string? Name)> EmailChannelAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid userId, string type, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            """
            SELECT u.email, u.display_name,
                   coalesce((SELECT p.email FROM notification_preferences p WHERE p.tenant_id = $1 AND p.user_id = $2 AND p.type = $3), true)
            FROM users u WHERE u.id = $2
            """, connection, transaction)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = userId }, new() { Value = type } },
        };
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (false, null, null);
        }

        return (reader.GetBoolean(2), reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1));
    }

    /// <summary>
    /// Stores a notification in the caller's transaction (keyed to the organization), unless the member turned its type
    /// off in-app; null then. Sends no email: <see cref="CreateAsync"/> does both.
    /// </summary>
    public static async Task<Notification?> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid userId, string type, string title, string? body, string? link, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO notifications (tenant_id, user_id, type, title, body, link)
            SELECT $1, $2, $3, $4, $5, $6
            WHERE NOT EXISTS (SELECT 1 FROM notification_preferences p WHERE p.tenant_id = $1 AND p.user_id = $2 AND p.type = $3 AND NOT p.in_app)
            RETURNING {Columns}
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = tenantId }, new() { Value = userId }, new() { Value = type }, new() { Value = title },
                new() { Value = (object?)body ?? DBNull.Value }, new() { Value = (object?)link ?? DBNull.Value },
            },
        };
        return (await ReadAsync(insert, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>Announces a stored notification to the member's live streams; a Redis failure only loses the live part.</summary>
    public async Task PublishAsync(Guid tenantId, Guid userId, Notification notification, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.PublishAsync(Channel(tenantId, userId), JsonSerializer.Serialize(notification, Json), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            // Stored all the same: the member sees it on the next list, only not live.
            LogPublishFailed(logger, tenantId, userId, error);
        }
    }

    /// <summary>Newest first, continuing after (<paramref name="beforeCreatedAt"/>, <paramref name="beforeId"/>) when given.</summary>
    public async Task<IReadOnlyList<Notification>> ListAsync(
        Guid tenantId, Guid userId, int limit, DateTimeOffset? beforeCreatedAt = null, Guid? beforeId = null, bool unreadOnly = false, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command(
            $"""
            SELECT {Columns} FROM notifications
            WHERE tenant_id = $1 AND user_id = $2 AND (NOT $3 OR read_at IS NULL)
              AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5))
            ORDER BY created_at DESC, id DESC LIMIT $6
            """,
            tenantId, userId, unreadOnly, beforeCreatedAt, beforeId ?? Guid.Empty, limit);
        return await ReadAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> UnreadCountAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId, cancellationToken).ConfigureAwait(false);
        await using var count = transaction.Command("SELECT count(*) FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL", tenantId, userId);
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Marks one of the member's notifications read; false when there is no such unread notification of theirs.</summary>
    public async Task<bool> MarkReadAsync(Guid tenantId, Guid userId, Guid notificationId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId, cancellationToken).ConfigureAwait(false);
        await using var update = transaction.Command(
            "UPDATE notifications SET read_at = now() WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND read_at IS NULL", tenantId, userId, notificationId);
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await AuditAsync(transaction, tenantId, userId, "notification.read", notificationId.ToString(), new { notificationId }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Marks every unread notification of the member read (or only <paramref name="ids"/>); returns how many.</summary>
    public async Task<int> MarkAllReadAsync(Guid tenantId, Guid userId, IReadOnlyCollection<Guid>? ids = null, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId, cancellationToken).ConfigureAwait(false);
        await using var update = transaction.Command(
            "UPDATE notifications SET read_at = now() WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL AND ($3::uuid[] IS NULL OR id = ANY($3))",
            tenantId, userId, ids?.ToArray());
        var marked = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await AuditAsync(transaction, tenantId, userId, "notification.read_all", null, new { marked }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return marked;
    }

    /// <summary>Every notification type with the member's channels for it (a type they never chose for comes on every channel).</summary>
    public async Task<IReadOnlyList<NotificationChannels>> PreferencesAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command(
            "SELECT type, in_app, email FROM notification_preferences WHERE tenant_id = $1 AND user_id = $2 ORDER BY type", tenantId, userId);
        var chosen = new Dictionary<string, (bool InApp, bool Email)>(StringComparer.Ordinal);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            chosen[reader.GetString(0)] = (reader.GetBoolean(1), reader.GetBoolean(2));
        }

        // Only catalogued types: a choice stored for a type the platform no longer sends has nothing to set.
        return [.. NotificationTypes.All.Select(t => chosen.TryGetValue(t.Type, out var c)
            ? new NotificationChannels(t.Type, t.Description, c.InApp, c.Email)
            : new NotificationChannels(t.Type, t.Description, InApp: true, Email: true))];
    }

    /// <summary>Sets the member's channels for one notification type.</summary>
    /// <exception cref="ValidationFailedException">The type is not one the platform sends (<see cref="NotificationTypes"/>).</exception>
    public async Task SetPreferenceAsync(Guid tenantId, Guid userId, NotificationPreference preference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preference);
        if (preference.Type is null || !TypeName().IsMatch(preference.Type))
        {
            throw ValidationFailedException.For("type", "A notification type is 1 to 128 lower case letters, digits, '.', '_' or '-', starting with a letter, e.g. workflow.failed.");
        }

        if (!NotificationTypes.IsKnown(preference.Type))
        {
            throw ValidationFailedException.For("type", $"There is no notification type '{preference.Type}'; the notification settings list every type.");
        }

        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId, cancellationToken).ConfigureAwait(false);
        await using var upsert = transaction.Command(
            """
            INSERT INTO notification_preferences (tenant_id, user_id, type, in_app, email) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (tenant_id, user_id, type) DO UPDATE SET in_app = excluded.in_app, email = excluded.email, updated_at = now()
            """,
            tenantId, userId, preference.Type, preference.InApp, preference.Email);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await AuditAsync(transaction, tenantId, userId, "notification.preference_set", preference.Type, preference, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<Notification>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var notifications = new List<Notification>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            notifications.Add(new Notification(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return notifications;
    }

    private async Task QueueEmailAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid userId, string type, string title, string? body, string? link,
        NotificationEmail? emailOverride, CancellationToken cancellationToken)
    {
        if (email is null)
        {
            return;
        }

        var (wanted, address, name) = await EmailChannelAsync(connection, transaction, tenantId, userId, type, cancellationToken).ConfigureAwait(false);
        if (!wanted || string.IsNullOrWhiteSpace(address))
        {
            return;
        }

        var model = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (emailOverride is null)
        {
            model["title"] = title;
            model["body"] = body;
            model["actionUrl"] = email.AppLink(link);
        }
        else
        {
            foreach (var (variable, value) in emailOverride.Model)
            {
                model[variable] = value;
            }
        }

        model.TryAdd("userName", string.IsNullOrWhiteSpace(name) ? address : name);
        await email.QueueAsync(connection, transaction, new EmailRequest(tenantId, emailOverride?.Template ?? EmailTemplates.Notification, address, null, model), cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task AuditAsync(TenantTransaction transaction, Guid tenantId, Guid userId, string action, string? resourceId, object after, CancellationToken cancellationToken) =>
        await audit.AppendAsync(transaction.Connection, transaction.Transaction, new AuditEntry(
            tenantId, AuditActorType.User, userId, action, "notification", resourceId, AuditChanges.Of(null, after),
            origin.Ip, origin.UserAgent, System.Diagnostics.Activity.Current?.TraceId.ToString()), cancellationToken).ConfigureAwait(false);

    // The CHECK on notification types.
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9_.-]{0,127}$")]
    private static partial System.Text.RegularExpressions.Regex TypeName();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification for {TenantId}/{UserId} stored but not streamed live (Redis)")]
    private static partial void LogPublishFailed(ILogger logger, Guid tenantId, Guid userId, Exception error);
}
