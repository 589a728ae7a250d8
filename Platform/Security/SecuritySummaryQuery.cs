using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Caching;
using Platform.Tenancy;

namespace Platform.Security;

/// <summary>The width of a summary bucket.</summary>
public enum SecuritySummaryBucket
{
    /// <summary>One UTC hour.</summary>
    Hour,

    /// <summary>One UTC day.</summary>
    Day,
}

/// <summary>Counts of security events in one bucket.</summary>
/// <param name="Start">The bucket's first instant (UTC).</param>
/// <param name="Counts">Events per type name (e.g. <c>failed_login</c>); types with none are left out.</param>
public sealed record SecuritySummaryPoint(DateTimeOffset Start, IReadOnlyDictionary<string, long> Counts);

/// <summary>Security event counts over time, for the dashboard.</summary>
/// <param name="From">The first instant counted (inclusive).</param>
/// <param name="To">The end of the range (exclusive).</param>
/// <param name="Bucket">The bucket width.</param>
/// <param name="Points">One point per bucket touching the range, oldest first, including empty ones (so a chart has no gaps).</param>
/// <param name="Totals">Events per type over the whole range.</param>
public sealed record SecuritySummary(
    DateTimeOffset From,
    DateTimeOffset To,
    SecuritySummaryBucket Bucket,
    IReadOnlyList<SecuritySummaryPoint> Points,
    IReadOnlyDictionary<string, long> Totals);

/// <summary>
/// The security dashboard's numbers: counts by event type per hour or day, from the audit log's security rows
/// (read under the organization's row-level security), and live counts of the current hour from Redis.
/// </summary>
public sealed partial class SecuritySummaryQuery(NpgsqlDataSource dataSource, RedisClient redis, TimeProvider timeProvider, ILogger<SecuritySummaryQuery> logger)
{
    /// <summary>The most buckets one summary may return; a wider range needs a wider bucket.</summary>
    public const int MaxPoints = 2000;

    /// <summary>
    /// Counts security events of <paramref name="tenantId"/> (<see langword="null"/>: platform events) from
    /// <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) per <paramref name="bucket"/>.
    /// </summary>
    /// <exception cref="SecurityValidationException">The range is empty or reversed, or spans more than <see cref="MaxPoints"/> buckets.</exception>
    public async Task<SecuritySummary> GetAsync(
        Guid? tenantId, DateTimeOffset from, DateTimeOffset to, SecuritySummaryBucket bucket = SecuritySummaryBucket.Day, CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            throw new SecurityValidationException(SecurityValidationException.InvalidRange, "to", "The end of the range must be after its start.");
        }

        var first = Truncate(from, bucket);
        var step = bucket == SecuritySummaryBucket.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        if ((to - first).Ticks / step.Ticks >= MaxPoints)
        {
            throw new SecurityValidationException(
                SecurityValidationException.InvalidRange,
                "bucket",
                $"The range spans more than {MaxPoints} {(bucket == SecuritySummaryBucket.Hour ? "hours" : "days")}; choose a shorter range or a wider bucket.");
        }

        var counts = new Dictionary<DateTimeOffset, Dictionary<string, long>>();
        await using (var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false))
        {
            // The tenant condition repeats the policy so the planner uses the (tenant_id, occurred_at) index; the range
            // on occurred_at also prunes the monthly partitions outside it. Buckets are cut in UTC.
            await using var command = transaction.Command(
                $"""
                SELECT date_trunc($4, occurred_at, 'UTC') AS bucket, action, count(*)
                FROM audit_logs
                WHERE {(tenantId is null ? "tenant_id IS NULL AND $1::uuid IS NULL" : "tenant_id = $1")}
                  AND occurred_at >= $2 AND occurred_at < $3 AND is_security_event
                GROUP BY 1, 2
                """,
                tenantId,
                from,
                to,
                bucket == SecuritySummaryBucket.Hour ? "hour" : "day");
            if (tenantId is null)
            {
                command.Parameters[0].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid;
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var start = reader.GetFieldValue<DateTimeOffset>(0);
                var type = TypeName(reader.GetString(1));
                if (!counts.TryGetValue(start, out var perType))
                {
                    counts[start] = perType = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                perType[type] = perType.GetValueOrDefault(type) + reader.GetInt64(2);
            }
        }

        var points = new List<SecuritySummaryPoint>();
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var start = first; start < to; start += step)
        {
            var perType = counts.GetValueOrDefault(start) ?? [];
            points.Add(new SecuritySummaryPoint(start, perType));
            foreach (var (type, count) in perType)
            {
                totals[type] = totals.GetValueOrDefault(type) + count;
            }
        }

        return new SecuritySummary(from, to, bucket, points, totals);
    }

    /// <summary>
    /// Events of the current UTC hour per type, from the recorder's Redis counters: cheap enough for a tile that
    /// refreshes every few seconds. Null when Redis is unavailable (fall back to <see cref="GetAsync"/>).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>?> GetCurrentHourAsync(Guid? tenantId, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var types = Enum.GetValues<SecurityEventType>();
        try
        {
            var values = (await redis.ExecuteAsync("MGET", [.. types.Select(t => SecurityEventRecorder.LiveCounterKey(tenantId, t, now))], cancellationToken).ConfigureAwait(false)).AsArray();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var i = 0; i < types.Length; i++)
            {
                if (!values[i].IsNull && long.TryParse(values[i].AsString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
                {
                    counts[types[i].ToName()] = count;
                }
            }

            return counts;
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            LogLiveCountsUnavailable(logger, tenantId, error);
            return null;
        }
    }

    private static DateTimeOffset Truncate(DateTimeOffset instant, SecuritySummaryBucket bucket)
    {
        var utc = instant.UtcDateTime;
        return bucket == SecuritySummaryBucket.Hour
            ? new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero)
            : new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
    }

    // Security rows written by this module are security.{type}; others (written by modules with their own actions) keep their action.
    private static string TypeName(string action) => SecurityEventTypes.TryParse(action, out var type) ? type.ToName() : action;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live security counts unavailable (Redis) for tenant {TenantId}")]
    private static partial void LogLiveCountsUnavailable(ILogger logger, Guid? tenantId, Exception error);
}
