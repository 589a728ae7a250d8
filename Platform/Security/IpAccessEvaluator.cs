using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Caching;
using Platform.Tenancy;

namespace Platform.Security;

/// <summary>
/// Decides whether an address may reach an organization, on every API and web request: deny rules always block;
/// when the organization has any allow rule, only matching addresses get in. IPv4-mapped IPv6 addresses are
/// matched as IPv4.
/// </summary>
/// <remarks>
/// Rules are kept in memory per organization together with the value of a version counter
/// (<c>security:iprules:version:{tenant}</c>, a <see cref="SharedVersions"/> counter) that every change moves on. Each
/// check compares that counter (announced to every replica at once, re-read at most once a second) and reloads from
/// the database only when it moved, so a change on any replica applies on the next request everywhere. When Redis cannot answer, rules held in memory are trusted for <see cref="SecurityMonitoringOptions.IpRuleCacheTtl"/>
/// and then reloaded from the database on each check; the check never fails open because of the cache.
/// </remarks>
public sealed partial class IpAccessEvaluator(
    NpgsqlDataSource dataSource,
    SharedVersions versions,
    IOptions<SecurityMonitoringOptions> options,
    TimeProvider timeProvider,
    ILogger<IpAccessEvaluator> logger)
{
    // Even with Redis answering, a cached entry is reloaded after this long, so a version bump lost to a Redis
    // outage at the moment of a change is corrected within minutes.
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<Guid, CachedRules> _cache = new();

    /// <summary>Whether <paramref name="address"/> may reach <paramref name="tenantId"/>.</summary>
    public async Task<bool> IsAllowedAsync(Guid tenantId, IPAddress address, CancellationToken cancellationToken = default) =>
        (await EvaluateAsync(tenantId, address, cancellationToken).ConfigureAwait(false)).IsAllowed;

    /// <summary>Whether <paramref name="address"/> may reach <paramref name="tenantId"/>, and which rule decided.</summary>
    public async Task<IpAccessDecision> EvaluateAsync(Guid tenantId, IPAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var rules = await GetRulesAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return Evaluate(rules, address);
    }

    /// <summary>
    /// Makes every replica reload the organization's rules on its next check. <see cref="IpRuleService"/> calls it
    /// after each change; call it after changing ip_rules any other way.
    /// </summary>
    public async Task InvalidateAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        _cache.TryRemove(tenantId, out _);
        try
        {
            await versions.BumpAsync(VersionKey(tenantId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            LogVersionBumpFailed(logger, tenantId, error);
        }
    }

    /// <summary>The decision for <paramref name="address"/> under <paramref name="rules"/>: deny first, then the allow list.</summary>
    public static IpAccessDecision Evaluate(IReadOnlyList<IpRule> rules, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(address);
        var normalized = IpAddresses.Normalize(address);
        Guid? allowedBy = null;
        var hasAllowRules = false;
        foreach (var rule in rules)
        {
            var matches = rule.Network.Contains(normalized);
            if (rule.Action == IpRuleAction.Deny)
            {
                if (matches)
                {
                    return new IpAccessDecision(false, IpAccessReason.DenyListed, rule.Id);
                }
            }
            else
            {
                hasAllowRules = true;
                allowedBy ??= matches ? rule.Id : null;
            }
        }

        return !hasAllowRules ? new IpAccessDecision(true, IpAccessReason.NoRules)
            : allowedBy is not null ? new IpAccessDecision(true, IpAccessReason.AllowListed, allowedBy)
            : new IpAccessDecision(false, IpAccessReason.NotAllowListed);
    }

    /// <summary>The organization's rules, read in the caller's transaction (no cache).</summary>
    internal static async Task<List<IpRule>> LoadAsync(TenantTransaction transaction, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = transaction.Command(
            "SELECT id, cidr::text, action, description, created_by, created_at FROM ip_rules WHERE tenant_id = $1 ORDER BY created_at, id",
            tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rules = new List<IpRule>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rules.Add(new IpRule(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2) == "deny" ? IpRuleAction.Deny : IpRuleAction.Allow,
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return rules;
    }

    private async Task<IReadOnlyList<IpRule>> GetRulesAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        long? version = null;
        var redisAnswered = true;
        try
        {
            version = await versions.GetAsync(VersionKey(tenantId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (RedisFailure.IsUnavailable(error))
        {
            redisAnswered = false;
            LogVersionUnavailable(logger, tenantId, error);
        }

        if (_cache.TryGetValue(tenantId, out var cached))
        {
            var age = now - cached.LoadedAt;
            var fresh = redisAnswered
                ? cached.Version == version && age < MaxAge
                : age < options.Value.IpRuleCacheTtl;
            if (fresh)
            {
                return cached.Rules;
            }
        }

        List<IpRule> rules;
        await using (var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false))
        {
            rules = await LoadAsync(transaction, tenantId, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        // Stored under the version read before loading: a change committed meanwhile bumped the version past it,
        // so the next check reloads instead of trusting rows older than the change.
        _cache[tenantId] = new CachedRules(version, now, rules);
        return rules;
    }

    internal static string VersionKey(Guid tenantId) => string.Create(CultureInfo.InvariantCulture, $"security:iprules:version:{tenantId:N}");

    private sealed record CachedRules(long? Version, DateTimeOffset LoadedAt, IReadOnlyList<IpRule> Rules);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IP rule version unavailable for tenant {TenantId} (Redis); using rules from memory for a short while")]
    private static partial void LogVersionUnavailable(ILogger logger, Guid tenantId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the IP rule change of tenant {TenantId} (Redis); other replicas pick it up within minutes")]
    private static partial void LogVersionBumpFailed(ILogger logger, Guid tenantId, Exception error);
}
