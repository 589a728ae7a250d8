using Npgsql;
using Platform.Audit;

namespace Workers.Jobs;

/// <summary>Keeps monthly audit partitions created ahead and drops those past retention (<c>Audit:RetentionYears</c>, default 7).</summary>
internal sealed partial class AuditPartitionJob(NpgsqlDataSource dataSource, AuditPartitionMaintenance maintenance, IConfiguration configuration, ILogger<AuditPartitionJob> logger)
    : RecurringJob(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(6);

    protected override string Name => "audit-partitions";

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var created = await maintenance.EnsurePartitionsAsync(connection, monthsAhead: 3, cancellationToken);
        var dropped = await maintenance.DropExpiredAsync(connection, configuration.GetValue("Audit:RetentionYears", 7), cancellationToken);
        LogDone(logger, created.Count, dropped.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit partitions: {Created} created ahead, {Dropped} dropped past retention")]
    private static partial void LogDone(ILogger logger, int created, int dropped);
}
