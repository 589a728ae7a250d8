using System.Globalization;

namespace Web.Clients;

/// <summary>The organization's audit log at the Api (audit.* permissions): search, CSV export and the hash-chain check.</summary>
public sealed class AuditClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<Page<AuditEntryInfo>>> ListAsync(AuditFilter filter, string? cursor = null, int limit = 25, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return GetAsync<Page<AuditEntryInfo>>($"/api/v1/audit/logs?limit={limit}" + filter.ToQuery() + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken);
    }

    public Task<ApiResult<AuditVerification>> VerifyAsync(CancellationToken cancellationToken = default) =>
        GetAsync<AuditVerification>("/api/v1/audit/verify", cancellationToken);

    /// <summary>The filtered entries as CSV, read as they stream (the caller disposes the response).</summary>
    public async Task<HttpResponseMessage> OpenExportAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = filter.ToQuery();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/audit/logs/export" + (query.Length > 0 ? "?" + query[1..] : ""), UriKind.Relative));
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }
}

/// <summary>The filters the Api's audit search takes; days are whole UTC days.</summary>
public sealed class AuditFilter
{
    public Guid? ActorId { get; set; }

    public string? Action { get; set; }

    public string? ResourceType { get; set; }

    public string? ResourceId { get; set; }

    public DateOnly? From { get; set; }

    public DateOnly? To { get; set; }

    public bool SecurityOnly { get; set; }

    /// <summary>"&amp;name=value" for each filter set (empty when none is).</summary>
    public string ToQuery()
    {
        var parts = new List<string>();
        Add("actorId", ActorId?.ToString());
        Add("action", Action);
        Add("resourceType", ResourceType);
        Add("resourceId", ResourceId);
        Add("from", From is { } from ? new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToString("o", CultureInfo.InvariantCulture) : null);
        Add("to", To is { } to ? new DateTimeOffset(to.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero).ToString("o", CultureInfo.InvariantCulture) : null);
        Add("securityOnly", SecurityOnly ? "true" : null);
        return string.Concat(parts);

        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add("&" + name + "=" + Uri.EscapeDataString(value.Trim()));
            }
        }
    }
}

public sealed record AuditEntryInfo(long Id, long Sequence, DateTimeOffset OccurredAt, string ActorType, Guid? ActorId, string Action, string ResourceType,
    string? ResourceId, string? Changes, string? Ip, string? UserAgent, string? TraceId, bool IsSecurityEvent);

public sealed record AuditVerification(bool IsValid, long RowsChecked, long? BrokenEntryId, long? BrokenSequence, string? Reason, string? Detail);
