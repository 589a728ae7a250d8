using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.Audit;

namespace Platform.Security;

/// <summary>Registers the security monitoring module.</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="SecurityEventRecorder"/>, <see cref="BruteForceDetector"/>, <see cref="IpRuleService"/>,
    /// <see cref="IpAccessEvaluator"/>, <see cref="SecurityAlertService"/> and <see cref="SecuritySummaryQuery"/>, with
    /// <see cref="SecurityMonitoringOptions"/> bound from the <c>SecurityMonitoring</c> section, and the audit module.
    /// Needs the platform database and the Redis client registered.
    /// </summary>
    public static IHostApplicationBuilder AddSecurityMonitoring(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<SecurityMonitoringOptions>()
            .Bind(builder.Configuration.GetSection(SecurityMonitoringOptions.SectionName))
            .Validate(o => o.AccountFailureThreshold > 0 && o.IpFailureThreshold > 0 && o.PermissionDenialBurstThreshold > 0, "Security thresholds must be positive.")
            .Validate(o => o.BruteForceWindow > TimeSpan.Zero && o.PermissionDenialWindow > TimeSpan.Zero, "Security windows must be positive.")
            .Validate(o => o.DigestHourUtc is >= 0 and <= 23, "SecurityMonitoring:DigestHourUtc must be an hour from 0 to 23.")
            .ValidateOnStart();
        builder.Services.AddAudit();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<BruteForceDetector>();
        builder.Services.TryAddSingleton<IpAccessEvaluator>();
        builder.Services.TryAddSingleton<IpRuleService>();
        builder.Services.TryAddSingleton<SecurityAlertService>();
        builder.Services.TryAddSingleton<SecurityEventRecorder>();
        builder.Services.TryAddSingleton<SecuritySummaryQuery>();
        return builder;
    }
}
