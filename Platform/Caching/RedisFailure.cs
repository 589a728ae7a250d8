using System.Net.Sockets;

namespace Platform.Caching;

/// <summary>Tells a Redis outage from a bug, for callers that degrade instead of failing when the cache is away.</summary>
internal static class RedisFailure
{
    /// <summary>Failures that mean Redis is unreachable or slow, as opposed to a bug in the caller.</summary>
    public static bool IsUnavailable(Exception error) =>
        error is RedisException or TimeoutException or IOException or SocketException or ObjectDisposedException;
}
