using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Audit;

/// <summary>
/// Keeps audit_logs' monthly partitions ahead of time and drops those past retention. Meant for a
/// scheduled job; safe to run from several replicas at once (the SQL functions serialize) and as
/// the application role (they run as the owner and do nothing else).
/// </summary>
public sealed partial class AuditPartitionMaintenance(TimeProvider timeProvider, ILogger<AuditPartitionMaintenance> logger)
{
    /// <summary>Months created beyond the current one: a quarter survives a job that stopped running for weeks.</summary>
    public const int DefaultMonthsAhead = 3;

    /// <summary>How long audit history is kept unless a tenant's policy says otherwise.</summary>
    public const int DefaultRetentionYears = 7;

    /// <summary>Creates the partitions for this month and the next <paramref name="monthsAhead"/>; returns those it created.</summary>
    public async Task<IReadOnlyList<string>> EnsurePartitionsAsync(NpgsqlConnection connection, int monthsAhead = DefaultMonthsAhead, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfNegative(monthsAhead);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var created = new List<string>();
        for (var offset = 0; offset <= monthsAhead; offset++)
        {
            var month = new DateOnly(now.Year, now.Month, 1).AddMonths(offset);
            await using var command = new NpgsqlCommand("SELECT audit_ensure_partition($1)", connection) { Parameters = { new() { Value = month } } };
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                var name = PartitionName(month);
                LogPartitionCreated(logger, name);
                created.Add(name);
            }
        }

        return created;
    }

    /// <summary>
    /// Detaches and drops every partition whose whole month is older than
    /// <paramref name="retentionYears"/>; returns those it dropped. Each tenant's chain keeps an
    /// anchor at its last dropped entry so the remaining history still verifies.
    /// </summary>
    /// <remarks>The database refuses a retention under one year, whoever asks.</remarks>
    public async Task<IReadOnlyList<string>> DropExpiredAsync(NpgsqlConnection connection, int retentionYears = DefaultRetentionYears, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfLessThan(retentionYears, 1);
        var cutoff = timeProvider.GetUtcNow().ToUniversalTime().AddYears(-retentionYears);
        await using var command = new NpgsqlCommand("SELECT audit_drop_partitions_before($1)", connection) { Parameters = { new() { Value = cutoff } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var dropped = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            LogPartitionDropped(logger, name, retentionYears);
            dropped.Add(name);
        }

        return dropped;
    }

    /// <summary>The partition that holds a month's entries: <c>audit_logs_yYYYYmMM</c>.</summary>
    public static string PartitionName(DateOnly month) => $"audit_logs_y{month.Year:D4}m{month.Month:D2}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Created audit partition {Partition}")]
    private static partial void LogPartitionCreated(ILogger logger, string partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped audit partition {Partition}, past the {RetentionYears}-year retention")]
    private static partial void LogPartitionDropped(ILogger logger, string partition, int retentionYears);
}
