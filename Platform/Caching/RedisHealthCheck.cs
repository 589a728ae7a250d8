using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Caching;

/// <summary>Reports Redis healthy when it answers PING within the command timeout.</summary>
public sealed class RedisHealthCheck(RedisClient client) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var roundTrip = await client.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy(
                $"Redis at {client.Options.EndPoint} answered PING in {roundTrip.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms.");
        }
        catch (Exception error) when (error is RedisException or TimeoutException or ObjectDisposedException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Redis at {client.Options.EndPoint} did not answer PING: {error.Message}", error);
        }
    }
}
