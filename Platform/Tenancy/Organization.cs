namespace Platform.Tenancy;

/// <summary>A customer organization: the tenant.</summary>
public sealed class Organization
{
    public Guid Id { get; set; }

    /// <summary>Unique, DNS-label shaped; also the subdomain under the configured base domain.</summary>
    public required string Slug { get; set; }

    public required string Name { get; set; }

    public string Plan { get; set; } = "free";

    /// <summary>Members must use a second factor to sign in.</summary>
    public bool MfaRequired { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A user's membership of an organization.</summary>
public sealed class OrganizationMember : ITenantOwned
{
    public Guid TenantId { get; set; }

    public Guid UserId { get; set; }

    public DateTimeOffset JoinedAt { get; set; }
}
