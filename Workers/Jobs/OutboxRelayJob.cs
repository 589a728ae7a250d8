using Platform.Messaging;

namespace Workers.Jobs;

/// <summary>
/// Publishes committed outbox events: batch after batch while there are any, then a short nap. Every replica runs
/// it; the relay's row locks (SKIP LOCKED) share the work out instead of duplicating it.
/// </summary>
internal sealed partial class OutboxRelayJob(OutboxRelay relay, ILogger<OutboxRelayJob> logger) : BackgroundService
{
    // The partial index of unpublished rows makes an idle check cheap; this is how late an event may go out at worst.
    private static readonly TimeSpan IdleDelay = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await relay.RelayOnceAsync(stoppingToken) > 0)
                {
                    continue;
                }
            }
            catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, error);
            }

            try
            {
                await Task.Delay(IdleDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay round failed; the events stay unpublished and are sent on a later round")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
