using System.Net;
using System.Text.Json.Serialization;

namespace Platform.Security;

/// <summary>What an IP rule does with the addresses it matches.</summary>
public enum IpRuleAction
{
    /// <summary>Lets matching addresses in; once an organization has any allow rule, only matching addresses get in.</summary>
    Allow,

    /// <summary>Blocks matching addresses, whatever the allow rules say.</summary>
    Deny,
}

/// <summary>One rule of an organization's IP allow/deny list.</summary>
/// <param name="Id">The rule.</param>
/// <param name="Cidr">The network in CIDR notation (<c>203.0.113.0/24</c>, <c>2001:db8::/48</c>; a single address has /32 or /128).</param>
/// <param name="Action">Allow or deny.</param>
/// <param name="Description">Why the rule exists, e.g. "Head office".</param>
/// <param name="CreatedBy">Who added it.</param>
/// <param name="CreatedAt">When it was added.</param>
public sealed record IpRule(Guid Id, string Cidr, IpRuleAction Action, string? Description, Guid? CreatedBy, DateTimeOffset CreatedAt)
{
    /// <summary>The parsed network (parsed once: rules are checked on every request).</summary>
    [JsonIgnore]
    public IPNetwork Network { get; } = IPNetwork.Parse(Cidr);
}

/// <summary>A rule to add, as the caller typed it; <see cref="IpRuleService.AddAsync"/> validates every field.</summary>
/// <param name="Cidr">An address or CIDR network.</param>
/// <param name="Action"><c>allow</c> or <c>deny</c>.</param>
/// <param name="Description">Optional, up to 200 characters.</param>
public sealed record IpRuleRequest(string Cidr, string Action, string? Description = null);

/// <summary>Why an address is or is not let in.</summary>
public enum IpAccessReason
{
    /// <summary>The organization has no rule that applies: everyone is let in.</summary>
    NoRules,

    /// <summary>An allow rule matches.</summary>
    AllowListed,

    /// <summary>A deny rule matches.</summary>
    DenyListed,

    /// <summary>The organization has allow rules and none matches.</summary>
    NotAllowListed,
}

/// <summary>The outcome of checking one address against an organization's rules.</summary>
/// <param name="IsAllowed">Whether the request may proceed.</param>
/// <param name="Reason">Why.</param>
/// <param name="RuleId">The rule that decided, when one did.</param>
public sealed record IpAccessDecision(bool IsAllowed, IpAccessReason Reason, Guid? RuleId = null);
