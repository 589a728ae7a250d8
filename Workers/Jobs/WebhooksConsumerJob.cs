using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Messaging;
using Platform.Webhooks;

namespace Workers.Jobs;

/// <summary>
/// Consumes the <c>webhooks</c> queue for as long as the Workers run (every replica competes for its messages): each
/// integration event becomes a webhook message and a due delivery per subscribed endpoint.
/// </summary>
internal sealed class WebhooksConsumerJob(
    IMessageTransport transport,
    NpgsqlDataSource dataSource,
    WebhookFanOut fanOut,
    IOptions<MessagingOptions> options,
    ILogger<MessageConsumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var consumer = new MessageConsumer(WebhookFanOut.Consumer, WebhookFanOut.Consumer, transport, dataSource, options, logger)
        {
            // Its handler only writes through the consumer's transaction: a batch can share one.
            SharedTransaction = true,
        };
        return consumer.RunAsync(async (message, context, cancellationToken) => await fanOut.HandleAsync(message, context, cancellationToken), stoppingToken);
    }
}
