using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Platform.Audit;

/// <summary>Which audit rows to return; every criterion left null matches everything.</summary>
public sealed record AuditFilter
{
    /// <summary>Only this user or API key.</summary>
    public Guid? ActorId { get; init; }

    /// <summary>Only this kind of actor.</summary>
    public AuditActorType? ActorType { get; init; }

    /// <summary>Only this action (exact).</summary>
    public string? Action { get; init; }

    /// <summary>Only this kind of resource.</summary>
    public string? ResourceType { get; init; }

    /// <summary>Only this resource id (exact).</summary>
    public string? ResourceId { get; init; }

    /// <summary>At or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Before this instant (exclusive, so consecutive ranges do not overlap).</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only security events.</summary>
    public bool SecurityOnly { get; init; }
}

/// <summary>One page of audit rows, newest first.</summary>
/// <param name="Items">The rows.</param>
/// <param name="NextCursor">Pass back to get the next page; <see langword="null"/> on the last page.</param>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Items, string? NextCursor);

/// <summary>
/// Reads a tenant's audit log for the viewer and the CSV export, under the tenant's row-level
/// security. Pages are keyed on (occurred_at, id) rather than offsets, so appends while someone
/// pages never shift or repeat rows.
/// </summary>
public sealed class AuditQuery(NpgsqlDataSource dataSource)
{
    /// <summary>The largest page returned, whatever the caller asks for.</summary>
    public const int MaxPageSize = 200;

    /// <summary>The rows matching <paramref name="filter"/> after <paramref name="cursor"/>, newest first.</summary>
    /// <exception cref="ArgumentException">The cursor is not one this query produced.</exception>
    public async Task<AuditPage> ListAsync(Guid? tenantId, AuditFilter filter, string? cursor = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        limit = Math.Min(limit, MaxPageSize);
        var after = cursor is null ? ((DateTimeOffset, long)?)null : DecodeCursor(cursor);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await AuditColumns.BeginReadAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
        // One extra row tells whether another page exists without a count.
        await using var command = BuildCommand(connection, transaction, tenantId, filter, after, limit + 1);
        var items = new List<AuditRecord>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(AuditColumns.Read(reader));
            }
        }

        if (items.Count <= limit)
        {
            return new AuditPage(items, null);
        }

        items.RemoveAt(limit);
        return new AuditPage(items, EncodeCursor(items[^1].OccurredAt, items[^1].Id));
    }

    /// <summary>
    /// Streams every row matching <paramref name="filter"/>, newest first, as CSV with a header
    /// line; returns the number of rows written.
    /// </summary>
    public async Task<long> WriteCsvAsync(Guid? tenantId, AuditFilter filter, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(output);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await AuditColumns.BeginReadAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
        await using var command = BuildCommand(connection, transaction, tenantId, filter, after: null, limit: null);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        // RFC 4180 asks for CRLF whatever the platform.
        await output.WriteAsync((AuditCsv.Header + "\r\n").AsMemory(), cancellationToken).ConfigureAwait(false);
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await output.WriteAsync((AuditCsv.Line(AuditColumns.Read(reader)) + "\r\n").AsMemory(), cancellationToken).ConfigureAwait(false);
            rows++;
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private static NpgsqlCommand BuildCommand(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? tenantId, AuditFilter filter, (DateTimeOffset At, long Id)? after, int? limit)
    {
        // Only fixed fragments go into the text; every value is a parameter.
        var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        var sql = new StringBuilder($"SELECT {AuditColumns.Select} FROM audit_logs WHERE ");
        string Next(object value)
        {
            command.Parameters.Add(AuditColumns.Parameter(value));
            return "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        sql.Append(tenantId is { } tenant ? $"tenant_id = {Next(tenant)}" : "tenant_id IS NULL");
        if (filter.ActorId is { } actorId)
        {
            sql.Append($" AND actor_id = {Next(actorId)}");
        }

        if (filter.ActorType is { } actorType)
        {
            sql.Append($" AND actor_type = {Next(AuditColumns.ToText(actorType))}");
        }

        if (filter.Action is { } action)
        {
            sql.Append($" AND action = {Next(action)}");
        }

        if (filter.ResourceType is { } resourceType)
        {
            sql.Append($" AND resource_type = {Next(resourceType)}");
        }

        if (filter.ResourceId is { } resourceId)
        {
            sql.Append($" AND resource_id = {Next(resourceId)}");
        }

        if (filter.From is { } from)
        {
            sql.Append($" AND occurred_at >= {Next(from.ToUniversalTime())}");
        }

        if (filter.To is { } to)
        {
            sql.Append($" AND occurred_at < {Next(to.ToUniversalTime())}");
        }

        if (filter.SecurityOnly)
        {
            sql.Append(" AND is_security_event");
        }

        if (after is { } position)
        {
            sql.Append($" AND (occurred_at, id) < ({Next(position.At)}, {Next(position.Id)})");
        }

        sql.Append(" ORDER BY occurred_at DESC, id DESC");
        if (limit is { } rows)
        {
            sql.Append($" LIMIT {Next(rows)}");
        }

        command.CommandText = sql.ToString();
        return command;
    }

    private const byte CursorVersion = 1;

    /// <summary>Opaque to callers: a version byte, microseconds since the epoch and the id, base64url.</summary>
    internal static string EncodeCursor(DateTimeOffset occurredAt, long id)
    {
        Span<byte> bytes = stackalloc byte[17];
        bytes[0] = CursorVersion;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], (occurredAt.UtcTicks - DateTimeOffset.UnixEpoch.Ticks) / 10);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], id);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    internal static (DateTimeOffset At, long Id) DecodeCursor(string cursor)
    {
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[18];
        if (!Convert.TryFromBase64String(base64, bytes, out var length) || length != 17 || bytes[0] != CursorVersion)
        {
            throw new ArgumentException("The cursor is not valid; start again without one.", nameof(cursor));
        }

        var micros = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        var ticks = DateTimeOffset.UnixEpoch.Ticks + (micros * 10);
        if (ticks < DateTimeOffset.MinValue.Ticks || ticks > DateTimeOffset.MaxValue.Ticks)
        {
            throw new ArgumentException("The cursor is not valid; start again without one.", nameof(cursor));
        }

        return (new DateTimeOffset(ticks, TimeSpan.Zero), BinaryPrimitives.ReadInt64BigEndian(bytes[9..]));
    }
}
