using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Platform.Audit;

/// <summary>Registers the audit module.</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="AuditWriter"/>, <see cref="AuditQuery"/>, <see cref="AuditChainVerifier"/> and
    /// <see cref="AuditPartitionMaintenance"/>. The query and verifier need the platform's
    /// <c>NpgsqlDataSource</c> (<c>AddPlatformDatabase</c>).
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuditWriter>();
        services.TryAddSingleton<AuditQuery>();
        services.TryAddSingleton<AuditChainVerifier>();
        services.TryAddSingleton<AuditPartitionMaintenance>();
        services.TryAddScoped<RequestOrigin>();
        services.TryAddScoped<AuditTrail>();
        return services;
    }
}
