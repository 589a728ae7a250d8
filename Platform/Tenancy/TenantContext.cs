namespace Platform.Tenancy;

/// <summary>
/// Who is acting, and in which organization, for the current request or job. Scoped: set once
/// by tenant resolution (signed-in principal, API key or request host), read by the data layer.
/// </summary>
public sealed class TenantContext
{
    /// <summary>The current organization; null before resolution or for platform-level work.</summary>
    public Guid? TenantId { get; private set; }

    /// <summary>The signed-in user, if any (an API key acts without a user).</summary>
    public Guid? UserId { get; private set; }

    public bool HasTenant => TenantId is not null;

    /// <summary>The current organization, or an error when the code path requires one and has none.</summary>
    public Guid RequiredTenantId => TenantId ?? throw new TenantRequiredException();

    /// <summary>Sets the tenant once; changing it mid-request would mix two organizations' data.</summary>
    public void Set(Guid tenantId, Guid? userId)
    {
        if (TenantId is { } current && current != tenantId)
        {
            throw new InvalidOperationException("The tenant of this request is already set to another organization.");
        }

        TenantId = tenantId;
        UserId = userId;
    }

    /// <summary>Forgets a tenant that was set only to look up a credential which then failed.</summary>
    public void Reset()
    {
        TenantId = null;
        UserId = null;
    }

    /// <summary>Only the user is known (e.g. listing the organizations one belongs to before choosing).</summary>
    public void SetUser(Guid userId) => UserId = userId;
}

/// <summary>Tenant-owned data was used without a resolved organization.</summary>
public sealed class TenantRequiredException() : InvalidOperationException("This operation needs an organization, and none was resolved for the request.");
