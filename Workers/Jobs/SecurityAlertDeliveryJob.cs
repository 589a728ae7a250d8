using Platform.Security;

namespace Workers.Jobs;

/// <summary>
/// Delivers security alerts whose time has come (critical at once, high within 5 min, medium 15, low in the daily digest):
/// in-app to the security contacts, and by email (queued with the delivery) to them, or to the owners and admins of an
/// organization without contacts.
/// </summary>
internal sealed partial class SecurityAlertDeliveryJob(SecurityAlertService alerts, TimeProvider clock, ILogger<SecurityAlertDeliveryJob> logger) : RecurringJob(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromMinutes(1);

    protected override string Name => "security-alert-delivery";

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var delivered = await alerts.DeliverDueAsync(clock.GetUtcNow(), cancellationToken);
        if (delivered.Count > 0)
        {
            LogDelivered(logger, delivered.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {Count} security alert(s) in-app, their emails queued")]
    private static partial void LogDelivered(ILogger logger, int count);
}
