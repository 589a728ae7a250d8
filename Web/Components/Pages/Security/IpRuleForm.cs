namespace Web.Components.Pages.Security;

/// <summary>A rule to add to the IP allow/deny list, as typed.</summary>
public sealed class IpRuleForm
{
    public string? Cidr { get; set; }

    public string Action { get; set; } = "deny";

    public string? Description { get; set; }

    /// <summary>The caller saw that the rule would block their own address and wants it anyway.</summary>
    public bool ConfirmSelfLockout { get; set; }
}
