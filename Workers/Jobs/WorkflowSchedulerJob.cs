using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;
using Platform.Hosting;
using Platform.Workflows;

namespace Workers.Jobs;

/// <summary>
/// Hosts this replica's node of the clustered Quartz scheduler (cron triggers) and keeps its jobs aligned with the
/// published cron workflows every <see cref="WorkflowOptions.ScheduleSyncInterval"/>.
/// </summary>
internal sealed partial class WorkflowSchedulerJob(
    IConfiguration configuration, NpgsqlDataSource dataSource, IOptions<WorkflowOptions> options, ILoggerFactory loggers, ILogger<WorkflowSchedulerJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunScheduler)
        {
            return;
        }

        await using var scheduler = await WorkflowScheduler.StartAsync(
            configuration.GetRequiredConnectionString(DatabaseExtensions.ConnectionName), dataSource, options.Value, loggers, cancellationToken: stoppingToken);
        using var timer = new PeriodicTimer(options.Value.ScheduleSyncInterval);
        do
        {
            try
            {
                await scheduler.SyncAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogSyncFailed(logger, error);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not align workflow schedules with Quartz; trying again at the next tick")]
    private static partial void LogSyncFailed(ILogger logger, Exception error);
}
