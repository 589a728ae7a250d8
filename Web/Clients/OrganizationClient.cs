namespace Web.Clients;

/// <summary>The current organization's settings at the Api (organization.read to see them, organization.update to change them).</summary>
public sealed class OrganizationClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<OrganizationSettingsInfo>> GetAsync(CancellationToken cancellationToken = default) =>
        GetAsync<OrganizationSettingsInfo>("/api/v1/organization", cancellationToken);

    public Task<ApiResult<OrganizationSettingsInfo>> UpdateAsync(string name, bool mfaRequired, CancellationToken cancellationToken = default) =>
        PutAsync<OrganizationSettingsInfo>("/api/v1/organization", new { name, mfaRequired }, cancellationToken);
}

/// <summary>The organization's name and second-factor requirement (editable), its slug and plan (shown only).</summary>
public sealed record OrganizationSettingsInfo(Guid Id, string Name, string Slug, string Plan, bool MfaRequired);
