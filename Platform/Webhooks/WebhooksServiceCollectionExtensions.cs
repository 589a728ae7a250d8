using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.Webhooks;

/// <summary>Registers the webhooks module.</summary>
public static class WebhooksServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="WebhookOptions"/> (section <c>Webhooks</c>; https required in Production whatever is configured),
    /// the <see cref="WebhookTargetPolicy"/>, the <see cref="WebhookEndpointService"/>, the <see cref="WebhookFanOut"/>
    /// consumer, <see cref="WebhookRetention"/> and the <see cref="WebhookDispatcher"/> (scoped: it notifies through the notifications module) with its
    /// guarded HTTP client. Needs the database, data protection (identity), audit and notifications registered.
    /// </summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var production = builder.Environment.IsProduction();
        builder.Services.AddOptions<WebhookOptions>()
            .Bind(builder.Configuration.GetSection(WebhookOptions.SectionName))
            .PostConfigure(options => options.RequireHttps |= production)
            .Validate(options => options.Retention > TimeSpan.Zero, "Webhooks:Retention must be positive.")
            .Validate(options => options.RequestTimeout > TimeSpan.Zero && options.DeliveryBatchSize > 0, "Webhooks:RequestTimeout and Webhooks:DeliveryBatchSize must be positive.")
            .Validate(
                options => options.LeaseCoversBatch,
                $"Webhooks:DeliveryLease must be at least ceil(Webhooks:DeliveryBatchSize / {WebhookDispatcher.Parallelism}) × Webhooks:RequestTimeout + {WebhookOptions.LeaseMargin.TotalSeconds:0} s, or a batch's last deliveries are claimed again while still being sent.")
            .Validate(options => options.FailureStreakResetAfter > TimeSpan.Zero && options.DisableAfterFailingFor > TimeSpan.Zero, "Webhooks:FailureStreakResetAfter and Webhooks:DisableAfterFailingFor must be positive.")
            .Validate(options => options.MaxEndpointsPerOrganization > 0, "Webhooks:MaxEndpointsPerOrganization must be positive.")
            .Validate(
                options => options.DefaultRotationGracePeriod >= TimeSpan.Zero && options.DefaultRotationGracePeriod <= WebhookOptions.MaxRotationGracePeriod,
                "Webhooks:DefaultRotationGracePeriod must be between 0 and 7 days.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<WebhookTargetPolicy>();
        builder.Services.TryAddSingleton<WebhookEndpointService>();
        builder.Services.TryAddSingleton<WebhookFanOut>();
        builder.Services.TryAddSingleton<WebhookRetention>();
        // Owned by the container; one pool of connections for every attempt.
        builder.Services.TryAddKeyedSingleton(WebhookDispatcher.HttpClientKey, (provider, _) => WebhookDispatcher.CreateHttpClient(provider.GetRequiredService<WebhookTargetPolicy>()));
        builder.Services.TryAddScoped<WebhookDispatcher>();
        return builder;
    }
}
