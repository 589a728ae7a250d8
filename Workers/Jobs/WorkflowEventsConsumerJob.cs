using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Messaging;
using Platform.Workflows;

namespace Workers.Jobs;

/// <summary>Consumes the <c>workflows</c> queue: each event starts the organization's published workflows subscribed to its type.</summary>
internal sealed class WorkflowEventsConsumerJob(
    IMessageTransport transport,
    NpgsqlDataSource dataSource,
    WorkflowEventTriggers triggers,
    IOptions<MessagingOptions> options,
    ILogger<MessageConsumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var consumer = new MessageConsumer(WorkflowEventTriggers.Queue, WorkflowEventTriggers.Queue, transport, dataSource, options, logger)
        {
            // Its handler only writes through the consumer's transaction: a batch can share one.
            SharedTransaction = true,
        };
        return consumer.RunAsync(triggers.HandleAsync, stoppingToken);
    }
}
