using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Messaging;
using Platform.Notifications;

namespace Workers.Jobs;

/// <summary>
/// Consumes the <c>notifications</c> queue for as long as the Workers run (every replica competes for its messages),
/// each message in its own scope.
/// </summary>
internal sealed class NotificationsConsumerJob(
    IMessageTransport transport,
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    ILogger<MessageConsumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var consumer = new MessageConsumer(MembershipNotifications.Consumer, MembershipNotifications.Consumer, transport, dataSource, options, logger)
        {
            // Its handler only writes through the consumer's transaction: a batch can share one.
            SharedTransaction = true,
        };
        return consumer.RunAsync(
            async (message, context, cancellationToken) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<MembershipNotifications>().HandleAsync(message, context, cancellationToken);
            },
            stoppingToken);
    }
}
