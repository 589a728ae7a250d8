using Platform.Caching;
using Platform.RateLimiting;
using Platform.Security;

namespace Api.Extensions;

/// <summary>
/// Records rate-limit hits as security events, at most one per subject per minute: under a flood,
/// one audit row per rejected request would turn the limiter into a way to load the database.
/// </summary>
internal sealed class RateLimitSecurityEvents(SecurityEventRecorder recorder, RedisClient redis, ILogger<RateLimitSecurityEvents> logger) : IRateLimitRejectionObserver
{
    public async ValueTask OnRejectedAsync(HttpContext context, RateLimitRejection rejection)
    {
        try
        {
            if (!await redis.SetAsync($"security:rate-limited:{rejection.Policy}:{rejection.Subject}", "1", TimeSpan.FromMinutes(1), RedisSetCondition.NotExists, context.RequestAborted))
            {
                return;
            }
        }
        catch (RedisException)
        {
            return; // Redis is down: the limiter is in its in-memory mode; skip the event rather than flood the database.
        }

        await recorder.RecordAsync(new SecurityEvent(SecurityEventType.RateLimited, rejection.TenantId, rejection.UserId, rejection.ClientAddress,
            Detail: $"{rejection.Policy}: {rejection.Limit} per {rejection.Window.TotalSeconds:0} s", UserAgent: context.Request.Headers.UserAgent.ToString()),
            context.RequestAborted);
        RateLimitSecurityEventsLog.Recorded(logger, rejection.Policy, rejection.SubjectKind);
    }
}

internal static partial class RateLimitSecurityEventsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limit hit recorded as a security event ({Policy}, {SubjectKind})")]
    public static partial void Recorded(ILogger logger, string policy, RateLimitSubjectKind subjectKind);
}
