namespace Platform.Tenancy;

/// <summary>
/// A row that belongs to one organization. The data layer fills <see cref="TenantId"/> on insert,
/// refuses a row of another tenant, and filters every query by the current tenant; PostgreSQL's
/// row-level security enforces the same rule a second time.
/// </summary>
public interface ITenantOwned
{
    Guid TenantId { get; set; }
}
