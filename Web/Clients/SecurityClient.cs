using System.Globalization;

namespace Web.Clients;

/// <summary>The organization's security monitoring at the Api (security.* permissions): event counts over time, alerts, IP rules.</summary>
public sealed class SecurityClient(HttpClient http) : ApiClient(http)
{
    /// <summary>Event counts per hour or per day from <paramref name="from"/> until now.</summary>
    public Task<ApiResult<SecuritySummaryInfo>> SummaryAsync(DateTimeOffset from, bool hourly, CancellationToken cancellationToken = default) =>
        // The query names the bucket as the Api's enum member (bound case-sensitively); answers spell it in camelCase.
        GetAsync<SecuritySummaryInfo>(
            $"/api/v1/security/summary?from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&bucket={(hourly ? "Hour" : "Day")}", cancellationToken);

    public Task<ApiResult<List<SecurityAlertInfo>>> AlertsAsync(int limit = 20, CancellationToken cancellationToken = default) =>
        GetAsync<List<SecurityAlertInfo>>($"/api/v1/security/alerts?limit={limit}", cancellationToken);

    public Task<ApiResult<Done>> MarkAlertReadAsync(Guid alertId, CancellationToken cancellationToken = default) =>
        PostAsync($"/api/v1/security/alerts/{alertId}/read", null, cancellationToken);

    public Task<ApiResult<List<IpRuleInfo>>> IpRulesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<IpRuleInfo>>("/api/v1/security/ip-rules", cancellationToken);

    public Task<ApiResult<IpRuleInfo>> AddIpRuleAsync(string cidr, string action, string? description, bool confirmSelfLockout, CancellationToken cancellationToken = default) =>
        PostAsync<IpRuleInfo>("/api/v1/security/ip-rules", new { cidr, action, description, confirmSelfLockout }, cancellationToken);

    public Task<ApiResult<Done>> RemoveIpRuleAsync(Guid ruleId, bool confirmSelfLockout, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/security/ip-rules/{ruleId}?confirmSelfLockout={(confirmSelfLockout ? "true" : "false")}", cancellationToken);
}

/// <summary>Security event counts per bucket (types with none left out of a point) and over the whole range.</summary>
public sealed record SecuritySummaryInfo(
    DateTimeOffset From, DateTimeOffset To, string Bucket, IReadOnlyList<SecuritySummaryPointInfo> Points, IReadOnlyDictionary<string, long> Totals);

public sealed record SecuritySummaryPointInfo(DateTimeOffset Start, IReadOnlyDictionary<string, long> Counts)
{
    public long Count(string type) => Counts.TryGetValue(type, out var count) ? count : 0;
}

public sealed record SecurityAlertInfo(Guid Id, string EventType, string Severity, string Title, string? Detail, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

/// <summary>One rule of the IP allow/deny list; <see cref="Action"/> is <c>allow</c> or <c>deny</c>.</summary>
public sealed record IpRuleInfo(Guid Id, string Cidr, string Action, string? Description, DateTimeOffset CreatedAt);
