using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Tenancy;
using Quartz;

namespace Platform.Workflows;

/// <summary>
/// The Quartz job behind a cron-triggered workflow: starts its published version once per scheduled fire time. Quartz's
/// clustered store fires each trigger on one node only; the execution's trigger key (the scheduled time) makes a
/// fire recovered after a node's death start nothing twice all the same.
/// </summary>
public sealed partial class WorkflowCronJob(NpgsqlDataSource dataSource, WorkflowScheduleCounters counters, ILogger<WorkflowCronJob> logger) : IJob
{
    public const string TenantKey = "tenantId";
    public const string DefinitionKey = "definitionId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = context.MergedJobDataMap;
        var tenantId = Guid.Parse((string)data[TenantKey]!, CultureInfo.InvariantCulture);
        var definitionId = Guid.Parse((string)data[DefinitionKey]!, CultureInfo.InvariantCulture);
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        counters.Fired();
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        var started = await WorkflowStarter.StartAsync(
            transaction.Connection, transaction.Transaction, tenantId, definitionId, "cron",
            new JsonObject { ["scheduledAt"] = scheduled, ["firedAt"] = context.FireTimeUtc },
            "cron:" + scheduled.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), null, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (started is { } executionId)
        {
            LogStarted(logger, tenantId, definitionId, executionId, scheduled);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {TenantId}/{DefinitionId} started as {ExecutionId} by its schedule ({ScheduledAt})")]
    private static partial void LogStarted(ILogger logger, Guid tenantId, Guid definitionId, Guid executionId, DateTimeOffset scheduledAt);
}

/// <summary>How many cron fires this process's scheduler ran (for health views and tests).</summary>
public sealed class WorkflowScheduleCounters
{
    private long _fired;

    public long FireCount => Interlocked.Read(ref _fired);

    internal void Fired() => Interlocked.Increment(ref _fired);
}
