using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Audit;
using Platform.Caching;
using Platform.Tenancy;

namespace Platform.Security;

/// <summary>
/// The one entry point for security events: writes each as a security audit row, raises the alert it calls for,
/// and feeds the Redis counts behind brute-force detection and the live summary.
/// </summary>
/// <remarks>
/// <para>The audit row (and its alert, if any) commits in a transaction of its own, so an event is kept even when the
/// request that noticed it fails or rolls back (a refused request usually does). Database failures are thrown;
/// Redis failures are logged and swallowed, because a cache outage must not turn a refused login into a 500.</para>
/// <para>Brute force: failed sign-ins and failed second factors count against the account (the user id when known,
/// else the sign-in name) and the client address. Crossing a threshold records one <c>brute_force_suspected</c>
/// event per window: for the account in the event's organization (high alert to its contacts), for the address as a
/// platform event (it spans organizations; operators see it).</para>
/// </remarks>
public sealed partial class SecurityEventRecorder(
    NpgsqlDataSource dataSource,
    AuditWriter auditWriter,
    SecurityAlertService alerts,
    BruteForceDetector bruteForce,
    RedisClient redis,
    IOptions<SecurityMonitoringOptions> options,
    TimeProvider timeProvider,
    ILogger<SecurityEventRecorder> logger)
{
    // INCR with an expiry set once, in one round trip.
    private const string CountScript = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return count
        """;

    // Counters outlive the hour they count by a day, for a "last 24 hours" tile.
    private static readonly TimeSpan LiveCounterTtl = TimeSpan.FromHours(25);

    private readonly SecurityMonitoringOptions _options = options.Value;

    /// <summary>Records <paramref name="securityEvent"/>; returns the audit row written.</summary>
    /// <exception cref="NpgsqlException">The database could not be written.</exception>
    public async Task<AuditRecord> RecordAsync(SecurityEvent securityEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(securityEvent);
        var record = await WriteAsync(securityEvent, cancellationToken).ConfigureAwait(false);

        var followUps = new List<SecurityEvent>();
        string? burstAlert = null;
        try
        {
            await CountAsync(securityEvent, cancellationToken).ConfigureAwait(false);
            if (securityEvent.Type is SecurityEventType.FailedLogin or SecurityEventType.MfaFailed)
            {
                followUps.AddRange(await DetectBruteForceAsync(securityEvent, cancellationToken).ConfigureAwait(false));
            }
            else if (securityEvent is { Type: SecurityEventType.PermissionDenied, TenantId: not null, UserId: { } deniedUser })
            {
                burstAlert = await DetectDenialBurstAsync(securityEvent.TenantId.Value, deniedUser, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            LogCountsUnavailable(logger, securityEvent.Type, securityEvent.TenantId, error);
        }

        // Outside the Redis guard: these are database writes, whose failures the caller should see.
        foreach (var followUp in followUps)
        {
            await WriteAsync(followUp, cancellationToken).ConfigureAwait(false);
            await TryCountAsync(followUp, cancellationToken).ConfigureAwait(false);
        }

        if (burstAlert is not null)
        {
            await alerts.RaiseAsync(securityEvent.TenantId!.Value, SecurityEventType.PermissionDenied.ToName(), SecuritySeverity.Medium, burstAlert, null, cancellationToken).ConfigureAwait(false);
        }

        return record;
    }

    /// <summary>
    /// Records an <c>ip_blocked</c> event unless one was recorded for the same organization and address within
    /// <see cref="SecurityMonitoringOptions.IpBlockedRecordInterval"/>, so a blocked client retrying in a loop costs
    /// one audit row per interval. Returns whether it recorded. Records anyway when Redis cannot tell.
    /// </summary>
    public async Task<bool> RecordIpBlockedAsync(Guid tenantId, IPAddress ip, string? userAgent, Guid? userId, IpAccessDecision decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ArgumentNullException.ThrowIfNull(decision);
        try
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"security:ipblocked:{tenantId:N}:{IpAddresses.Normalize(ip)}");
            if (!await redis.SetAsync(key, "1", _options.IpBlockedRecordInterval, RedisSetCondition.NotExists, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            LogCountsUnavailable(logger, SecurityEventType.IpBlocked, tenantId, error);
        }

        var detail = decision.Reason == IpAccessReason.DenyListed
            ? $"The address matches deny rule {decision.RuleId}."
            : "The address matches none of the organization's allow rules.";
        await RecordAsync(new SecurityEvent(SecurityEventType.IpBlocked, tenantId, userId, ip, Detail: detail, UserAgent: userAgent), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The key of the live counter of <paramref name="type"/> events of <paramref name="tenantId"/> in the UTC hour of <paramref name="at"/>.</summary>
    internal static string LiveCounterKey(Guid? tenantId, SecurityEventType type, DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"security:count:{tenantId?.ToString("N") ?? "platform"}:{type.ToName()}:{at.UtcDateTime:yyyyMMddHH}");

    /// <summary>Which events raise an alert by themselves, at which severity, with which title (null: none).</summary>
    internal static (SecuritySeverity Severity, string Title)? AlertFor(SecurityEvent securityEvent)
    {
        var severity = securityEvent.EffectiveSeverity;
        string? title = securityEvent.Type switch
        {
            SecurityEventType.RefreshTokenReuse => "A refresh token was reused; the session was revoked",
            SecurityEventType.BruteForceSuspected => "Repeated failed sign-ins: possible brute-force attack",
            SecurityEventType.ApiKeyMisuse => "An API key was misused",
            SecurityEventType.Lockout => "An account was locked after failed sign-ins",
            SecurityEventType.MfaChanged => "Two-factor authentication was changed for an account",
            SecurityEventType.IpBlocked => "A request was blocked by the IP rules",
            SecurityEventType.NewLoginLocation => "A sign-in from a new location",
            _ => null,
        };
        return title is null ? null : (severity, title);
    }

    private async Task<AuditRecord> WriteAsync(SecurityEvent securityEvent, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, securityEvent.TenantId, userId: null, cancellationToken).ConfigureAwait(false);
        var record = await auditWriter.AppendAsync(transaction.Connection, transaction.Transaction, ToAuditEntry(securityEvent), cancellationToken).ConfigureAwait(false);
        if (securityEvent.TenantId is { } tenantId && AlertFor(securityEvent) is { } alert)
        {
            await alerts.RaiseAsync(transaction, tenantId, securityEvent.Type.ToName(), alert.Severity, alert.Title, DescribeForAlert(securityEvent), cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogRecorded(logger, securityEvent.Type, securityEvent.EffectiveSeverity, securityEvent.TenantId, securityEvent.UserId);
        return record;
    }

    private async Task CountAsync(SecurityEvent securityEvent, CancellationToken cancellationToken) =>
        await redis.EvaluateAsync(
            CountScript,
            [LiveCounterKey(securityEvent.TenantId, securityEvent.Type, timeProvider.GetUtcNow())],
            [((long)LiveCounterTtl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)],
            cancellationToken).ConfigureAwait(false);

    private async Task TryCountAsync(SecurityEvent securityEvent, CancellationToken cancellationToken)
    {
        try
        {
            await CountAsync(securityEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            LogCountsUnavailable(logger, securityEvent.Type, securityEvent.TenantId, error);
        }
    }

    private async Task<List<SecurityEvent>> DetectBruteForceAsync(SecurityEvent failure, CancellationToken cancellationToken)
    {
        var accountKey = BruteForceDetector.AccountKeyOf(failure.UserId, failure.Account);
        var assessment = await bruteForce.RegisterFailureAsync(accountKey, failure.Ip, cancellationToken).ConfigureAwait(false);
        var suspected = new List<SecurityEvent>();
        var window = (int)_options.BruteForceWindow.TotalMinutes;
        if (assessment.AccountThresholdCrossed)
        {
            LogBruteForce(logger, "account", failure.TenantId, failure.UserId, assessment.AccountFailures);
            suspected.Add(new SecurityEvent(
                SecurityEventType.BruteForceSuspected,
                failure.TenantId,
                failure.UserId,
                failure.Ip,
                NormalizeAccount(failure.Account),
                $"{assessment.AccountFailures} failed sign-ins for one account within {window} minutes.",
                failure.UserAgent,
                AuditActorType.System));
        }

        if (assessment.IpThresholdCrossed && failure.Ip is not null)
        {
            LogBruteForce(logger, "address", null, null, assessment.IpFailures);
            suspected.Add(new SecurityEvent(
                SecurityEventType.BruteForceSuspected,
                null,
                null,
                failure.Ip,
                null,
                $"{assessment.IpFailures} failed sign-ins from {IpAddresses.CountingKey(failure.Ip)} within {window} minutes.",
                failure.UserAgent,
                AuditActorType.System));
        }

        return suspected;
    }

    private async Task<string?> DetectDenialBurstAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        // The same sliding window as sign-ins, keyed by organization and member.
        var assessment = await bruteForce.RegisterAsync(
            string.Create(CultureInfo.InvariantCulture, $"security:denials:{tenantId:N}:{userId:N}"),
            _options.PermissionDenialBurstThreshold,
            _options.PermissionDenialWindow,
            cancellationToken).ConfigureAwait(false);
        return assessment.Crossed
            ? $"{assessment.Count} permission denials for member {userId} within {(int)_options.PermissionDenialWindow.TotalMinutes} minutes"
            : null;
    }

    private static AuditEntry ToAuditEntry(SecurityEvent securityEvent)
    {
        var account = NormalizeAccount(securityEvent.Account);
        var changes = JsonSerializer.SerializeToElement(new Dictionary<string, string?>
        {
            ["severity"] = securityEvent.EffectiveSeverity.ToName(),
            ["account"] = account,
            ["detail"] = securityEvent.Detail,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value));
        var (resourceType, resourceId) = securityEvent switch
        {
            { Type: SecurityEventType.ApiKeyMisuse, ActorId: { } keyId } => ("api_key", keyId.ToString()),
            { UserId: { } userId } => ("user", userId.ToString()),
            { Account: not null } => ("account", account),
            { Ip: { } ip } => ("ip", IpAddresses.Normalize(ip).ToString()),
            _ => ("security", null),
        };
        return new AuditEntry(
            securityEvent.TenantId,
            securityEvent.ActorType,
            securityEvent.ActorId ?? (securityEvent.ActorType == AuditActorType.User ? securityEvent.UserId : null),
            securityEvent.Type.ToAction(),
            resourceType,
            resourceId,
            changes,
            securityEvent.Ip is null ? null : IpAddresses.Normalize(securityEvent.Ip),
            securityEvent.UserAgent is { Length: > 512 } agent ? agent[..512] : securityEvent.UserAgent,
            IsSecurityEvent: true);
    }

    private static string? DescribeForAlert(SecurityEvent securityEvent)
    {
        var parts = new List<string>();
        if (securityEvent.Detail is not null)
        {
            parts.Add(securityEvent.Detail);
        }

        if (securityEvent.UserId is { } userId)
        {
            parts.Add($"User: {userId}");
        }

        if (securityEvent.Ip is { } ip)
        {
            parts.Add($"Address: {IpAddresses.Normalize(ip)}");
        }

        return parts.Count == 0 ? null : string.Join("\n", parts);
    }

    // Sign-in names compare case-insensitively; the audit row keeps one spelling so reports group them.
    private static string? NormalizeAccount(string? account)
    {
        if (string.IsNullOrWhiteSpace(account))
        {
            return null;
        }

        var normalized = account.Trim().ToLowerInvariant();
        return normalized.Length > 256 ? normalized[..256] : normalized;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Security event {EventType} ({Severity}) recorded for tenant {TenantId} user {UserId}")]
    private static partial void LogRecorded(ILogger logger, SecurityEventType eventType, SecuritySeverity severity, Guid? tenantId, Guid? userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Security counters unavailable (Redis) for {EventType} of tenant {TenantId}; the event is recorded, brute-force counting skipped")]
    private static partial void LogCountsUnavailable(ILogger logger, SecurityEventType eventType, Guid? tenantId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Brute force suspected against an {Scope} (tenant {TenantId}, user {UserId}): {Failures} failures in the window")]
    private static partial void LogBruteForce(ILogger logger, string scope, Guid? tenantId, Guid? userId, long failures);
}
