namespace Platform.RateLimiting;

/// <summary>
/// Endpoint metadata naming a policy from <see cref="RateLimitOptions.Policies"/>, counted per client address
/// instead of the organization or anonymous budget. Added by <c>.WithRateLimitPolicy(name)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RateLimitPolicyAttribute(string policyName) : Attribute
{
    /// <summary>The policy's name, e.g. <c>auth</c>.</summary>
    public string PolicyName { get; } = !string.IsNullOrWhiteSpace(policyName) ? policyName : throw new ArgumentException("A policy name is required.", nameof(policyName));
}
