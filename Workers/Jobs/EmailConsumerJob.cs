using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Email;
using Platform.Messaging;

namespace Workers.Jobs;

/// <summary>
/// Consumes the <c>email</c> queue for as long as the Workers run (every replica competes for its messages): each message
/// delivers one queued email over SMTP or into the pickup folder, retried with backoff and dead-lettered after
/// <c>Email:MaxAttempts</c> deliveries (the send log row is then marked failed).
/// </summary>
internal sealed class EmailConsumerJob(
    IMessageTransport transport,
    NpgsqlDataSource dataSource,
    EmailQueueConsumer handler,
    IOptions<MessagingOptions> messaging,
    IOptions<EmailOptions> email,
    ILogger<MessageConsumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = Options.Create(EmailQueueConsumer.ConsumerOptions(messaging.Value, email.Value));
        var consumer = new MessageConsumer(EmailService.Queue, EmailService.Queue, transport, dataSource, options, logger);
        return consumer.RunAsync(handler.HandleAsync, stoppingToken);
    }
}
