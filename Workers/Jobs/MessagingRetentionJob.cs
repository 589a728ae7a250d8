using Platform.Messaging;

namespace Workers.Jobs;

/// <summary>Deletes old inbox entries and replayed dead letters past <c>Messaging:Retention</c>.</summary>
internal sealed partial class MessagingRetentionJob(MessagingRetention retention, TimeProvider clock, ILogger<MessagingRetentionJob> logger) : RecurringJob(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override string Name => "messaging-retention";

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await retention.CleanUpAsync(clock.GetUtcNow(), cancellationToken);
        LogDone(logger, removed.InboxEntries, removed.ReplayedDeadLetters);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Messaging clean-up: {Inbox} inbox entries, {DeadLetters} replayed dead letters removed")]
    private static partial void LogDone(ILogger logger, long inbox, long deadLetters);
}
