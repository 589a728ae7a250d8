namespace Web.Clients;

/// <summary>The organization's messages that failed every attempt, at the Api (messaging.dead_letters.* permissions).</summary>
public sealed class DeadLettersClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<Page<DeadLetterInfo>>> ListAsync(string? cursor = null, int limit = 25, CancellationToken cancellationToken = default) =>
        GetAsync<Page<DeadLetterInfo>>($"/api/v1/dead-letters?limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken);

    public Task<ApiResult<DeadLetterInfo>> GetAsync(Guid deadLetterId, CancellationToken cancellationToken = default) =>
        GetAsync<DeadLetterInfo>($"/api/v1/dead-letters/{deadLetterId}", cancellationToken);

    public Task<ApiResult<Done>> ReplayAsync(Guid deadLetterId, CancellationToken cancellationToken = default) =>
        PostAsync($"/api/v1/dead-letters/{deadLetterId}/replay", null, cancellationToken);
}

public sealed record DeadLetterInfo(
    Guid Id, string Queue, Guid MessageId, string Type, string Payload, int Attempts, string LastError, DateTimeOffset EnqueuedAt, DateTimeOffset DeadAt, DateTimeOffset? ReplayedAt);
