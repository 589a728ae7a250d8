using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Messaging;

namespace Platform.Email;

/// <summary>
/// Handles the <c>email</c> queue: delivers the send log row a message names (<see cref="EmailDispatcher"/>). A failed
/// delivery throws, so <see cref="MessageConsumer"/> retries it with backoff; after <see cref="EmailOptions.MaxAttempts"/>
/// deliveries the row is marked failed and the message goes to the dead letters.
/// </summary>
public sealed class EmailQueueConsumer(EmailDispatcher dispatcher, IOptions<EmailOptions> options)
{
    /// <summary>The consumer's options: the messaging settings with the email module's own number of attempts.</summary>
    public static MessagingOptions ConsumerOptions(MessagingOptions messaging, EmailOptions email)
    {
        ArgumentNullException.ThrowIfNull(messaging);
        ArgumentNullException.ThrowIfNull(email);
        return new MessagingOptions
        {
            Transport = messaging.Transport,
            ReceiveBatchSize = messaging.ReceiveBatchSize,
            Lease = messaging.Lease,
            MaxAttempts = Math.Max(1, email.MaxAttempts),
            FirstRetryDelay = messaging.FirstRetryDelay,
            MaxRetryDelay = messaging.MaxRetryDelay,
            IdlePoll = messaging.IdlePoll,
            Retention = messaging.Retention,
        };
    }

    public async Task HandleAsync(ReceivedMessage message, ConsumeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Type != EmailService.SendEventType)
        {
            return;
        }

        var queued = JsonSerializer.Deserialize<EmailService.EmailQueued>(message.Payload, JsonSerializerOptions.Web)
            ?? throw new JsonException($"{message.Type} {message.MessageId} has no payload.");
        var final = message.Attempts >= Math.Max(1, options.Value.MaxAttempts);
        await dispatcher.DeliverAsync(message.TenantId, queued.EmailId, final, skipLocked: false, cancellationToken).ConfigureAwait(false);
    }
}
