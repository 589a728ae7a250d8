namespace Platform.Security;

/// <summary>
/// Options of the security monitoring module, bound from the <c>SecurityMonitoring</c> configuration section.
/// Every default is documented on its property.
/// </summary>
public sealed class SecurityMonitoringOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SecurityMonitoring";

    /// <summary>Failed sign-ins for one account within <see cref="BruteForceWindow"/> that mean an attack (default 10).</summary>
    public int AccountFailureThreshold { get; set; } = 10;

    /// <summary>
    /// Failed sign-ins from one address, across accounts, within <see cref="BruteForceWindow"/> that mean an attack
    /// (default 30). IPv6 addresses count per /64, the block one subscriber usually holds.
    /// </summary>
    public int IpFailureThreshold { get; set; } = 30;

    /// <summary>The sliding window of the brute-force counts, and the least time between two alerts for one account or address (default 10 minutes).</summary>
    public TimeSpan BruteForceWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Permission denials of one member within <see cref="PermissionDenialWindow"/> that raise an alert (default 20).</summary>
    public int PermissionDenialBurstThreshold { get; set; } = 20;

    /// <summary>The sliding window of permission-denial bursts (default 5 minutes).</summary>
    public TimeSpan PermissionDenialWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The hour (UTC, 0-23) at which low-severity alerts are delivered as the daily digest (default 8).</summary>
    public int DigestHourUtc { get; set; } = 8;

    /// <summary>
    /// How long an organization's IP rules may be used from memory when Redis cannot confirm they are current
    /// (default 30 seconds). While Redis answers, a change made on any replica is seen on the next request.
    /// </summary>
    public TimeSpan IpRuleCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most IP rules one organization may have (default 200), which keeps evaluation per request cheap.</summary>
    public int MaxIpRulesPerOrganization { get; set; } = 200;

    /// <summary>
    /// The least time between two recorded <c>ip_blocked</c> events for one organization and address (default 1 minute),
    /// so a blocked client hammering the API cannot turn each refused request into an audit row.
    /// </summary>
    public TimeSpan IpBlockedRecordInterval { get; set; } = TimeSpan.FromMinutes(1);
}
