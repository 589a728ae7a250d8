using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.Messaging.ServiceBus;

namespace Platform.Messaging;

/// <summary>Registers the messaging module.</summary>
public static class MessagingServiceCollectionExtensions
{
    private const string ServiceBusHttpClient = "servicebus";

    /// <summary>
    /// Adds the <see cref="IMessageTransport"/> chosen by <c>Messaging:Transport</c> (the PostgreSQL queue by default, or
    /// Azure Service Bus over REST with <c>servicebus</c>), the <see cref="OutboxRelay"/>, the <see cref="DeadLetterStore"/>
    /// and <see cref="MessagingRetention"/>, with <see cref="MessagingOptions"/> bound from <c>Messaging</c>.
    /// Needs the platform database registered (dead letters stay in PostgreSQL with either transport).
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MessagingOptions>()
            .Bind(builder.Configuration.GetSection(MessagingOptions.SectionName))
            .Validate(
                options => options.SharedTransactionBatchSize is >= 1 and <= 64,
                "Messaging:SharedTransactionBatchSize must be between 1 and 64 (each message of a batch is a subtransaction; PostgreSQL caches 64 per transaction).")
            .ValidateOnStart();
        var transport = builder.Configuration[$"{MessagingOptions.SectionName}:{nameof(MessagingOptions.Transport)}"] ?? "postgres";
        if (string.Equals(transport, "servicebus", StringComparison.OrdinalIgnoreCase))
        {
            AddServiceBus(builder);
        }
        else if (string.Equals(transport, "postgres", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.TryAddSingleton<PostgresQueueTransport>();
            builder.Services.TryAddSingleton<IMessageTransport>(provider => provider.GetRequiredService<PostgresQueueTransport>());
        }
        else
        {
            throw new InvalidOperationException($"Messaging:Transport must be 'postgres' or 'servicebus'; got '{transport}'.");
        }

        builder.Services.TryAddSingleton<OutboxRelay>();
        builder.Services.TryAddSingleton<DeadLetterStore>();
        builder.Services.TryAddSingleton<MessagingRetention>();
        return builder;
    }

    private static void AddServiceBus(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServiceBusTransportOptions>()
            .Bind(builder.Configuration.GetSection(ServiceBusTransportOptions.SectionName))
            .Validate(
                options => options.HasUsableEndpoint,
                "Messaging:Transport is 'servicebus' but Messaging:ServiceBus:Endpoint is missing or not an https URI (e.g. https://ns.servicebus.windows.net/).")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(provider => ServiceBusAuthorization.Create(
            provider.GetRequiredService<IOptions<ServiceBusTransportOptions>>().Value,
            () => provider.GetService<TokenCredential>() ?? new DefaultAzureCredential()));
        // Owned by the container (disposed with it); outlives each receive's long poll.
        builder.Services.TryAddKeyedSingleton(ServiceBusHttpClient, (provider, _) => new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<ServiceBusTransportOptions>>().Value.ReceiveWaitSeconds + 60),
        });
        builder.Services.TryAddSingleton<IMessageTransport>(provider => new ServiceBusRestTransport(
            provider.GetRequiredKeyedService<HttpClient>(ServiceBusHttpClient),
            provider.GetRequiredService<IOptions<ServiceBusTransportOptions>>(),
            provider.GetRequiredService<ServiceBusAuthorization>(),
            provider.GetRequiredService<Npgsql.NpgsqlDataSource>()));
    }
}
