using Platform.Webhooks;

namespace Workers.Jobs;

/// <summary>Deletes webhook messages (with their deliveries and log) past <c>Webhooks:Retention</c>, and expired rotated-out secrets.</summary>
internal sealed partial class WebhookRetentionJob(WebhookRetention retention, TimeProvider clock, ILogger<WebhookRetentionJob> logger) : RecurringJob(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override string Name => "webhook-retention";

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await retention.CleanUpAsync(clock.GetUtcNow(), cancellationToken);
        LogDone(logger, removed.Messages, removed.ExpiredSecrets);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook clean-up: {Messages} messages with their log and {Secrets} expired secrets removed")]
    private static partial void LogDone(ILogger logger, long messages, long secrets);
}
