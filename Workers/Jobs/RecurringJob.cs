namespace Workers.Jobs;

/// <summary>
/// Runs <see cref="RunOnceAsync"/> at start and then every <see cref="Interval"/>. A failed run is
/// logged and retried at the next tick; it never stops the host. Every replica runs it: the work
/// itself must be safe to run concurrently (the jobs below take database locks or are idempotent).
/// </summary>
internal abstract partial class RecurringJob(ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    protected abstract string Name { get; }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, Name, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job} failed; it runs again at its next tick")]
    private static partial void LogFailed(ILogger logger, string job, Exception exception);
}
