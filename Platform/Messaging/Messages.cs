using Npgsql;

namespace Platform.Messaging;

/// <summary>A message to put on a queue. <see cref="MessageId"/> identifies it end to end: sending it twice queues it once.</summary>
/// <param name="MessageId">Stable id (the outbox row's id for integration events).</param>
/// <param name="TenantId">The organization it belongs to; null for platform messages.</param>
/// <param name="Type">What happened or what to do, e.g. <c>customer.created</c>.</param>
/// <param name="Payload">JSON text.</param>
/// <param name="Priority">Higher first among messages that are due.</param>
/// <param name="NotBefore">Delivered no earlier than this (delayed delivery); null for now.</param>
public sealed record OutgoingMessage(Guid MessageId, Guid? TenantId, string Type, string Payload, short Priority = 0, DateTimeOffset? NotBefore = null);

/// <summary>
/// A message claimed from a queue, hidden from other consumers until its lease ends. <c>Attempts</c> counts
/// deliveries so far, this one included; <c>LeaseToken</c> proves this claim is still the current one when
/// completing, retrying or dead-lettering.
/// </summary>
public sealed record ReceivedMessage(
    long Id, string Queue, Guid MessageId, Guid? TenantId, string Type, string Payload, short Priority, int Attempts, Guid LeaseToken, DateTimeOffset EnqueuedAt);

/// <summary>A message that failed every attempt, kept with its last error until someone replays it.</summary>
public sealed record DeadLetter(
    Guid Id, string Queue, Guid MessageId, Guid? TenantId, string Type, string Payload, int Attempts, string LastError, DateTimeOffset EnqueuedAt, DateTimeOffset DeadAt, DateTimeOffset? ReplayedAt)
{
    /// <summary>The priority it was sent with, restored when it is replayed.</summary>
    public short Priority { get; init; }
}

/// <summary>
/// Where messages wait for their consumers. <see cref="PostgresQueueTransport"/> is the default; a broker
/// (Azure Service Bus) implements the same contract.
/// </summary>
public interface IMessageTransport
{
    /// <summary>Queues the messages; one already queued under the same id on that queue is not queued again.</summary>
    Task SendAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Claims up to <paramref name="maxMessages"/> due messages for <paramref name="lease"/>; none when the queue is idle.</summary>
    Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Removes a handled message. False when the lease was lost (another consumer claimed it since).</summary>
    Task<bool> CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default);

    /// <summary>Puts the message back, due again after <paramref name="delay"/>, noting why.</summary>
    Task<bool> RetryAsync(ReceivedMessage message, TimeSpan delay, string reason, CancellationToken cancellationToken = default);

    /// <summary>Moves the message to the dead letters with its last error.</summary>
    Task<bool> DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken = default);

    /// <summary>Returns when a message may have arrived on <paramref name="queue"/>, or after <paramref name="timeout"/>.</summary>
    Task WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>
/// A transport whose queue lives in the consumers' own database: a consumer removes the message in the transaction
/// of its handler's writes, one round trip and one commit fewer per message, and nothing to acknowledge afterwards.
/// </summary>
public interface ITransactionalCompletion
{
    /// <summary>The statement that removes <paramref name="message"/>, for the handler's transaction; it removes nothing once the lease was lost.</summary>
    NpgsqlBatchCommand CompleteCommand(ReceivedMessage message);

    /// <summary>The statement that removes all of <paramref name="messages"/>, claimed by <see cref="ClaimAsync"/>, at once.</summary>
    NpgsqlBatchCommand CompleteAllCommand(IReadOnlyCollection<ReceivedMessage> messages);

    /// <summary>
    /// Claims up to <paramref name="maxMessages"/> due messages by locking them in <paramref name="transaction"/> (which
    /// it puts in the system scope): the lock is the lease, released by the commit that removes them or by the end of the
    /// transaction, so claiming writes nothing. Their <see cref="ReceivedMessage.LeaseToken"/> is empty.
    /// </summary>
    Task<IReadOnlyList<ReceivedMessage>> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string queue, int maxMessages, CancellationToken cancellationToken = default);

    /// <summary>For a message claimed by <see cref="ClaimAsync"/>: due again after <paramref name="delay"/>, one attempt more, noting why.</summary>
    NpgsqlBatchCommand RetryCommand(ReceivedMessage message, TimeSpan delay, string reason);

    /// <summary>For a message claimed by <see cref="ClaimAsync"/>: moved to the dead letters with its last error.</summary>
    NpgsqlBatchCommand DeadLetterCommand(ReceivedMessage message, string reason);
}

/// <summary>
/// A transport whose queue lives in the outbox's own database: the relay moves events from the outbox onto their queues
/// in one statement, a single atomic step in which nothing is sent twice and the payloads never leave the server.
/// </summary>
public interface IOutboxForwarding
{
    /// <summary>
    /// Moves up to <paramref name="batchSize"/> of the oldest outbox events to the queues <paramref name="routes"/> match
    /// (see <see cref="MessagingOptions.Routes"/>) and removes them from the outbox; returns how many it moved.
    /// </summary>
    Task<int> ForwardOutboxAsync(IReadOnlyDictionary<string, string[]> routes, int batchSize, CancellationToken cancellationToken = default);
}
