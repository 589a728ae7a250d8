using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Audit;
using Platform.Tenancy;

namespace Platform.Security;

/// <summary>
/// An organization's IP allow/deny list: list, add, remove. Every change is validated, audited in the same
/// transaction, and refused when it would block the caller's own current address unless they confirm it.
/// </summary>
public sealed partial class IpRuleService(
    NpgsqlDataSource dataSource,
    AuditWriter auditWriter,
    IpAccessEvaluator evaluator,
    IOptions<SecurityMonitoringOptions> options,
    TimeProvider timeProvider,
    ILogger<IpRuleService> logger)
{
    /// <summary>The organization's rules, oldest first.</summary>
    public async Task<IReadOnlyList<IpRule>> ListAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        return await IpAccessEvaluator.LoadAsync(transaction, tenantId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a rule.</summary>
    /// <param name="tenantId">The organization.</param>
    /// <param name="actorUserId">Who adds it (audited).</param>
    /// <param name="request">The rule as typed.</param>
    /// <param name="callerIp">The caller's current address; the change is refused if it would block it. Null skips that check (e.g. a platform operator).</param>
    /// <param name="confirmSelfLockout">The caller saw the self-lockout warning and wants the rule anyway.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="SecurityValidationException">A field is invalid; <see cref="SecurityException.Field"/> names it.</exception>
    /// <exception cref="SecurityRuleViolationException">Self-lockout without confirmation, a duplicate network, or too many rules.</exception>
    public async Task<IpRule> AddAsync(
        Guid tenantId, Guid actorUserId, IpRuleRequest request, IPAddress? callerIp, bool confirmSelfLockout = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var network = IpAddresses.ParseNetwork(request.Cidr);
        var action = ParseAction(request.Action);
        var description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        if (description is { Length: > 200 })
        {
            throw new SecurityValidationException(SecurityValidationException.InvalidDescription, "description", "The description must be at most 200 characters.");
        }

        var rule = new IpRule(Guid.CreateVersion7(timeProvider.GetUtcNow()), network.ToString(), action, description, actorUserId, timeProvider.GetUtcNow());
        await using (var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false))
        {
            var current = await LockAndLoadAsync(transaction, tenantId, cancellationToken).ConfigureAwait(false);
            if (current.Count >= options.Value.MaxIpRulesPerOrganization)
            {
                throw new SecurityRuleViolationException(
                    SecurityRuleViolationException.TooManyRules,
                    $"An organization can have at most {options.Value.MaxIpRulesPerOrganization} IP rules; combine networks or remove rules first.");
            }

            if (current.FirstOrDefault(r => r.Network.Equals(network)) is { } existing)
            {
                throw new SecurityRuleViolationException(
                    SecurityRuleViolationException.DuplicateRule,
                    $"The organization already has a rule for {existing.Cidr} ({existing.Action.ToString().ToLowerInvariant()}); remove it first to change it.");
            }

            RefuseSelfLockout(current, [.. current, rule], callerIp, confirmSelfLockout);

            await using (var insert = transaction.Command(
                "INSERT INTO ip_rules (tenant_id, id, cidr, action, description, created_by, created_at) VALUES ($1, $2, $3::cidr, $4, $5, $6, $7)",
                tenantId,
                rule.Id,
                rule.Cidr,
                ToText(rule.Action),
                rule.Description,
                actorUserId,
                rule.CreatedAt))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await auditWriter.AppendAsync(
                transaction.Connection,
                transaction.Transaction,
                new AuditEntry(tenantId, AuditActorType.User, actorUserId, "ip_rule.created", "ip_rule", rule.Id.ToString(), AuditChanges.Of(null, Describe(rule)), callerIp),
                cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await evaluator.InvalidateAsync(tenantId, cancellationToken).ConfigureAwait(false);
        LogRuleAdded(logger, tenantId, rule.Id, rule.Cidr, rule.Action, actorUserId);
        return rule;
    }

    /// <summary>Removes a rule. Removing an allow rule can lock the caller out too (when other allow rules remain), so the same check applies.</summary>
    /// <exception cref="SecurityNotFoundException">The organization has no such rule.</exception>
    /// <exception cref="SecurityRuleViolationException">Self-lockout without confirmation.</exception>
    public async Task RemoveAsync(
        Guid tenantId, Guid actorUserId, Guid ruleId, IPAddress? callerIp, bool confirmSelfLockout = false, CancellationToken cancellationToken = default)
    {
        IpRule removed;
        await using (var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, userId: null, cancellationToken).ConfigureAwait(false))
        {
            var current = await LockAndLoadAsync(transaction, tenantId, cancellationToken).ConfigureAwait(false);
            removed = current.FirstOrDefault(r => r.Id == ruleId)
                ?? throw new SecurityNotFoundException(SecurityNotFoundException.IpRuleNotFound, "The organization has no such IP rule.");
            RefuseSelfLockout(current, [.. current.Where(r => r.Id != ruleId)], callerIp, confirmSelfLockout);

            await using (var delete = transaction.Command("DELETE FROM ip_rules WHERE tenant_id = $1 AND id = $2", tenantId, ruleId))
            {
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await auditWriter.AppendAsync(
                transaction.Connection,
                transaction.Transaction,
                new AuditEntry(tenantId, AuditActorType.User, actorUserId, "ip_rule.deleted", "ip_rule", ruleId.ToString(), AuditChanges.Of(Describe(removed), null), callerIp),
                cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await evaluator.InvalidateAsync(tenantId, cancellationToken).ConfigureAwait(false);
        LogRuleRemoved(logger, tenantId, ruleId, removed.Cidr, actorUserId);
    }

    /// <summary>Parses <c>allow</c> or <c>deny</c> (case-insensitive).</summary>
    /// <exception cref="SecurityValidationException">Anything else.</exception>
    public static IpRuleAction ParseAction(string? action) => action?.Trim().ToUpperInvariant() switch
    {
        "ALLOW" => IpRuleAction.Allow,
        "DENY" => IpRuleAction.Deny,
        _ => throw new SecurityValidationException(SecurityValidationException.InvalidAction, "action", "The action must be 'allow' or 'deny'."),
    };

    private static string ToText(IpRuleAction action) => action == IpRuleAction.Deny ? "deny" : "allow";

    private static object Describe(IpRule rule) => new { cidr = rule.Cidr, action = ToText(rule.Action), description = rule.Description };

    // Two administrators editing at once must not each pass the self-lockout check against a list the other is changing.
    private static async Task<List<IpRule>> LockAndLoadAsync(TenantTransaction transaction, Guid tenantId, CancellationToken cancellationToken)
    {
        await using (var command = transaction.Command("SELECT pg_advisory_xact_lock(hashtextextended('ip_rules:' || $1::text, 0))", tenantId))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return await IpAccessEvaluator.LoadAsync(transaction, tenantId, cancellationToken).ConfigureAwait(false);
    }

    private static void RefuseSelfLockout(IReadOnlyList<IpRule> before, IReadOnlyList<IpRule> after, IPAddress? callerIp, bool confirmed)
    {
        if (callerIp is null || confirmed)
        {
            return;
        }

        if (IpAccessEvaluator.Evaluate(before, callerIp).IsAllowed && !IpAccessEvaluator.Evaluate(after, callerIp).IsAllowed)
        {
            throw new SecurityRuleViolationException(
                SecurityRuleViolationException.SelfLockout,
                $"This change would block your current address ({IpAddresses.Normalize(callerIp)}) and sign you out of the organization. Confirm to apply it anyway.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "IP rule {RuleId} ({Cidr}, {Action}) added to tenant {TenantId} by {ActorId}")]
    private static partial void LogRuleAdded(ILogger logger, Guid tenantId, Guid ruleId, string cidr, IpRuleAction action, Guid actorId);

    [LoggerMessage(Level = LogLevel.Information, Message = "IP rule {RuleId} ({Cidr}) removed from tenant {TenantId} by {ActorId}")]
    private static partial void LogRuleRemoved(ILogger logger, Guid tenantId, Guid ruleId, string cidr, Guid actorId);
}
