using Platform.Messaging;
using Platform.Workflows;

namespace Workers.Jobs;

/// <summary>
/// Runs workflow executions for as long as the Workers run; every replica competes for due executions. Idle, it sleeps
/// until the PostgreSQL queue's notification says an execution was started (or the poll interval passes).
/// </summary>
internal sealed class WorkflowRunnerJob(WorkflowRunner runner, IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wakeUps = services.GetService<PostgresQueueTransport>();
        return runner.RunAsync(
            (timeout, cancellationToken) => wakeUps is null ? Task.Delay(timeout, cancellationToken) : wakeUps.WaitAsync(WorkflowStarter.WakeUpQueue, timeout, cancellationToken),
            stoppingToken);
    }
}
