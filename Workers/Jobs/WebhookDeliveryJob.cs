using Microsoft.Extensions.Options;
using Platform.Webhooks;

namespace Workers.Jobs;

/// <summary>
/// Sends due webhook deliveries on every replica (claims skip each other's rows): rounds back to back while there is
/// work, otherwise every <see cref="WebhookOptions.PollInterval"/>.
/// </summary>
internal sealed class WebhookDeliveryJob(IServiceScopeFactory scopes, IOptions<WebhookOptions> options, ILogger<WebhookDeliveryJob> logger) : RecurringJob(logger)
{
    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override string Name => "webhook-delivery";

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        int claimed;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            claimed = await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverDueAsync(cancellationToken);
        }
        while (claimed > 0 && !cancellationToken.IsCancellationRequested);
    }
}
