using Microsoft.Extensions.Logging;

namespace Platform.Caching;

/// <summary>The client's log messages (source-generated, structured, never carrying secrets).</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to Redis at {EndPoint} after {Attempts} attempt(s)")]
    public static partial void Connected(this ILogger logger, string endPoint, int attempts);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Connection to Redis at {EndPoint} lost; reconnecting")]
    public static partial void ConnectionLost(this ILogger logger, string endPoint, Exception reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Connecting to Redis at {EndPoint} failed (attempt {Attempt}); next try in {DelayMs} ms")]
    public static partial void ConnectFailed(this ILogger logger, string endPoint, int attempt, long delayMs, Exception error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Could not unsubscribe from Redis channel {Channel}")]
    public static partial void UnsubscribeFailed(this ILogger logger, string channel, Exception error);
}
