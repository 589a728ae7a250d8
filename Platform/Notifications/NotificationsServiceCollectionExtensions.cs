using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Platform.Notifications;

/// <summary>Registers the notifications module.</summary>
public static class NotificationsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="NotificationService"/> and <see cref="MembershipNotifications"/> (scoped: they audit as the request).
    /// Needs the database, Redis and audit registered.
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.TryAddScoped<NotificationService>();
        services.TryAddScoped<MembershipNotifications>();
        return services;
    }
}
