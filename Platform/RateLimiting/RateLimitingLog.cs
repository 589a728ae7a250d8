using Microsoft.Extensions.Logging;

namespace Platform.RateLimiting;

/// <summary>The rate limiter's log messages (source-generated, structured).</summary>
internal static partial class RateLimitingLog
{
    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning,
        Message = "Redis is unavailable for rate limiting; requests are now limited {Mode} on this replica until it answers again")]
    public static partial void RedisUnavailable(this ILogger logger, string mode, Exception error);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information,
        Message = "Redis answers again; rate limiting is shared through Redis after {OutageSeconds:0.0} s on the fallback")]
    public static partial void RedisRecovered(this ILogger logger, double outageSeconds);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Debug,
        Message = "Rate limit {Policy} reached for {SubjectKind} {Subject} on {Path}; retry after {RetryAfterSeconds} s")]
    public static partial void Rejected(this ILogger logger, string policy, RateLimitSubjectKind subjectKind, string subject, string path, long retryAfterSeconds);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Error, Message = "A rate-limit rejection observer failed for policy {Policy}")]
    public static partial void ObserverFailed(this ILogger logger, string policy, Exception error);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Warning,
        Message = "Could not read the plan of organization {TenantId}; the default plan {DefaultPlan} applies for now")]
    public static partial void PlanLookupFailed(this ILogger logger, Guid tenantId, string defaultPlan, Exception error);
}
