using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Platform.Messaging;

/// <summary>Registers the messaging module.</summary>
public static class MessagingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the PostgreSQL queue as <see cref="IMessageTransport"/>, the <see cref="OutboxRelay"/>, the
    /// <see cref="DeadLetterStore"/> and <see cref="MessagingRetention"/>, with <see cref="MessagingOptions"/> bound from <c>Messaging</c>.
    /// Needs the platform database registered.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MessagingOptions>().Bind(builder.Configuration.GetSection(MessagingOptions.SectionName));
        builder.Services.TryAddSingleton<PostgresQueueTransport>();
        builder.Services.TryAddSingleton<IMessageTransport>(provider => provider.GetRequiredService<PostgresQueueTransport>());
        builder.Services.TryAddSingleton<OutboxRelay>();
        builder.Services.TryAddSingleton<DeadLetterStore>();
        builder.Services.TryAddSingleton<MessagingRetention>();
        return builder;
    }
}
