using Platform.Messaging;

namespace Workers.Jobs;

/// <summary>
/// Publishes committed outbox events for as long as the Workers run. Every replica runs it; the relay's row locks
/// (SKIP LOCKED) share the work out instead of duplicating it.
/// </summary>
internal sealed class OutboxRelayJob(OutboxRelay relay) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => relay.RunAsync(stoppingToken);
}
