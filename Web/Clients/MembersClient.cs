namespace Web.Clients;

/// <summary>The organization's members, invitations and roles at the Api (users.*, roles.* permissions).</summary>
public sealed class MembersClient(HttpClient http) : ApiClient(http)
{
    public Task<ApiResult<Page<Member>>> MembersAsync(string? cursor = null, int limit = 50, CancellationToken cancellationToken = default) =>
        GetAsync<Page<Member>>($"/api/v1/users?limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken);

    public Task<ApiResult<Done>> RemoveAsync(Guid userId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/users/{userId}", cancellationToken);

    public Task<ApiResult<List<PendingInvitation>>> InvitationsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<PendingInvitation>>("/api/v1/invitations", cancellationToken);

    public Task<ApiResult<PendingInvitation>> InviteAsync(string email, Guid roleId, CancellationToken cancellationToken = default) =>
        PostAsync<PendingInvitation>("/api/v1/invitations", new { email, roleId }, cancellationToken);

    public Task<ApiResult<Done>> RevokeInvitationAsync(Guid invitationId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/invitations/{invitationId}", cancellationToken);

    public Task<ApiResult<List<RoleInfo>>> RolesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<RoleInfo>>("/api/v1/roles", cancellationToken);

    public Task<ApiResult<List<PermissionInfo>>> PermissionCatalogueAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<PermissionInfo>>("/api/v1/permissions", cancellationToken);

    public Task<ApiResult<RoleInfo>> CreateRoleAsync(string name, string? description, IReadOnlyList<string> permissions, CancellationToken cancellationToken = default) =>
        PostAsync<RoleInfo>("/api/v1/roles", new { name, description, permissions }, cancellationToken);

    public Task<ApiResult<RoleInfo>> UpdateRoleAsync(Guid roleId, string name, string? description, IReadOnlyList<string> permissions, CancellationToken cancellationToken = default) =>
        PutAsync<RoleInfo>($"/api/v1/roles/{roleId}", new { name, description, permissions }, cancellationToken);

    public Task<ApiResult<Done>> DeleteRoleAsync(Guid roleId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/roles/{roleId}", cancellationToken);

    public Task<ApiResult<Done>> AssignRoleAsync(Guid userId, Guid roleId, CancellationToken cancellationToken = default) =>
        PutAsync($"/api/v1/users/{userId}/roles/{roleId}", null, cancellationToken);

    public Task<ApiResult<Done>> UnassignRoleAsync(Guid userId, Guid roleId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"/api/v1/users/{userId}/roles/{roleId}", cancellationToken);

    /// <summary>Gives the member exactly one role: the new one first, so they are never left without any.</summary>
    public async Task<ApiResult<Done>> ChangeRoleAsync(Member member, Guid roleId, IReadOnlyList<RoleInfo> roles, CancellationToken cancellationToken = default)
    {
        var assigned = await AssignRoleAsync(member.Id, roleId, cancellationToken);
        if (!assigned.Succeeded)
        {
            return assigned;
        }

        foreach (var old in roles.Where(r => r.Id != roleId && member.Roles.Contains(r.Name)))
        {
            var removed = await UnassignRoleAsync(member.Id, old.Id, cancellationToken);
            if (!removed.Succeeded)
            {
                return removed;
            }
        }

        return assigned;
    }
}

/// <summary>One page of a list, with the cursor of the next (null on the last).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record Member(Guid Id, string? Email, string DisplayName, DateTimeOffset JoinedAt, bool MfaEnabled, IReadOnlyList<string> Roles);

public sealed record PendingInvitation(Guid Id, string Email, Guid RoleId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public sealed record RoleInfo(Guid Id, string Name, string Description, bool IsSystem, IReadOnlyList<string> Permissions);

public sealed record PermissionInfo(string Name, string Group, string DisplayName, string Description);
