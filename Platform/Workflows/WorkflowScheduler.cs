using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Tenancy;
using Quartz;
using Quartz.Impl.AdoJobStore;

namespace Platform.Workflows;

/// <summary>
/// Cron triggers on Quartz's clustered ADO.NET job store in the platform database (<c>qrtz_*</c> tables,
/// <see cref="PostgreSQLDelegate"/>): every Workers replica runs one, and the cluster fires each schedule on one
/// node. <see cref="SyncAsync"/> aligns Quartz's jobs with the published cron workflows: a publication adds or
/// replaces the trigger, an unpublished or deleted workflow loses it.
/// </summary>
public sealed partial class WorkflowScheduler : IAsyncDisposable
{
    /// <summary>The Quartz group holding one job per cron-triggered workflow, keyed by its id.</summary>
    public const string JobGroup = "workflows";

    private readonly IScheduler _scheduler;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;

    private WorkflowScheduler(IScheduler scheduler, NpgsqlDataSource dataSource, WorkflowScheduleCounters counters, ILogger logger)
    {
        _scheduler = scheduler;
        _dataSource = dataSource;
        Counters = counters;
        _logger = logger;
    }

    public WorkflowScheduleCounters Counters { get; }

    public string InstanceId => _scheduler.SchedulerInstanceId;

    /// <summary>Builds and starts a clustered scheduler node on <paramref name="connectionString"/>.</summary>
    public static async Task<WorkflowScheduler> StartAsync(
        string connectionString, NpgsqlDataSource dataSource, WorkflowOptions options, ILoggerFactory loggers, string? instanceId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var counters = new WorkflowScheduleCounters();
        var scheduler = await QuartzSchedulerBuilder.Create(quartz =>
        {
            quartz.Services.TryAddSingleton(loggers);
            quartz.Services.TryAddSingleton(typeof(ILogger<>), typeof(Logger<>));
            quartz.Services.AddSingleton(dataSource);
            quartz.Services.AddSingleton(counters);
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = options.SchedulerName;
                // Unique per process, so a restarted replica is a new node and the dead one's fires are recovered.
                var generated = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
                scheduler.InstanceId = instanceId ?? generated[..Math.Min(generated.Length, 120)];
            });
            quartz.UseDefaultThreadPool(4);
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.UseDriverDelegate<PostgreSQLDelegate>();
                store.UseSerializer<Quartz.Impl.SystemTextJsonObjectSerializer>();
                store.UseClustering(cluster => cluster.CheckinInterval = options.SchedulerCheckinInterval);
            });
        }).BuildScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.Start(cancellationToken).ConfigureAwait(false);
        return new WorkflowScheduler(scheduler, dataSource, counters, loggers.CreateLogger<WorkflowScheduler>());
    }

    /// <summary>Adds, replaces or removes Quartz jobs so they match the published cron workflows of every organization.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        // One node aligns at a time: two replacing the same trigger at once would each reset it, and both could fire it.
        await using var gate = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended('workflow_schedule_sync', 0))", gate))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await AlignAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('workflow_schedule_sync', 0))", gate);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task AlignAsync(CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, (Guid TenantId, Guid DefinitionId, string Cron, string? TimeZone)>(StringComparer.Ordinal);
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await using var select = new NpgsqlCommand(
                """
                SELECT d.tenant_id, d.id, v.trigger_value, v.graph::text FROM workflow_definitions d
                JOIN workflow_versions v ON v.tenant_id = d.tenant_id AND v.definition_id = d.id AND v.version = d.published_version
                WHERE v.trigger_type = 'cron'
                """, connection, transaction);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var zone = WorkflowGraph.Parse(reader.GetString(3)).Trigger.Config?["timeZone"]?.GetValue<string>();
                wanted[reader.GetGuid(1).ToString()] = (reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), zone);
            }
        }

        var existing = await _scheduler.QueryJobs(new JobQuery { Group = GroupMatcher<JobKey>.GroupEquals(JobGroup), Take = 10_000 }, cancellationToken).ConfigureAwait(false);
        foreach (var key in existing.Items.Select(j => j.Key).Where(k => !wanted.ContainsKey(k.Name)))
        {
            await _scheduler.DeleteJob(key, cancellationToken).ConfigureAwait(false);
            LogUnscheduled(_logger, key.Name);
        }

        foreach (var (name, schedule) in wanted)
        {
            var triggerKey = new TriggerKey(name, JobGroup);
            if (await _scheduler.GetTrigger(triggerKey, cancellationToken).ConfigureAwait(false) is ICronTrigger current
                && current.CronExpressionString == schedule.Cron && current.TimeZone.Id == (schedule.TimeZone ?? TimeZoneInfo.Utc.Id))
            {
                continue;
            }

            var job = JobBuilder.Create<WorkflowCronJob>()
                .WithIdentity(name, JobGroup)
                .UsingJobData(WorkflowCronJob.TenantKey, schedule.TenantId.ToString())
                .UsingJobData(WorkflowCronJob.DefinitionKey, schedule.DefinitionId.ToString())
                .StoreDurably(false)
                .Build();
            var zone = schedule.TimeZone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
            var trigger = TriggerBuilder.Create()
                .WithIdentity(triggerKey)
                .ForJob(job)
                // A schedule missed while no Worker ran fires once on recovery, not once per missed time.
                .WithCronSchedule(schedule.Cron, cron => cron.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build();
            await _scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken).ConfigureAwait(false);
            LogScheduled(_logger, schedule.TenantId, schedule.DefinitionId, schedule.Cron);
        }
    }

    public async ValueTask DisposeAsync() => await _scheduler.Shutdown(true, CancellationToken.None).ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {TenantId}/{DefinitionId} scheduled: {Cron}")]
    private static partial void LogScheduled(ILogger logger, Guid tenantId, Guid definitionId, string cron);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {DefinitionId} no longer scheduled")]
    private static partial void LogUnscheduled(ILogger logger, string definitionId);
}
