using System.Security.Claims;
using Web.Clients;
using Web.Session;

namespace Web.Access;

/// <summary>
/// The signed-in user as this request sees them. Permissions are asked of the Api once per
/// request (not kept in the cookie), so a role change shows on the very next page.
/// </summary>
public sealed class CurrentUser(IHttpContextAccessor httpContext, AccountClient account)
{
    private IReadOnlySet<string>? _permissions;
    private List<Organization>? _organizations;

    public bool IsSignedIn => User.Identity?.IsAuthenticated == true;

    public string Name => User.FindFirstValue(SessionClaims.Name) ?? "";

    public string Email => User.FindFirstValue(SessionClaims.Email) ?? "";

    private ClaimsPrincipal User => httpContext.HttpContext?.User ?? new ClaimsPrincipal();

    public async Task<IReadOnlySet<string>> PermissionsAsync(CancellationToken cancellationToken = default)
    {
        if (_permissions is null)
        {
            var held = IsSignedIn ? await account.PermissionsAsync(cancellationToken) : default;
            // Unknown means nothing: a page that cannot learn the permissions shows less, never more.
            _permissions = held.Value?.Permissions.ToHashSet(StringComparer.Ordinal) ?? [];
        }

        return _permissions;
    }

    public async Task<bool> HoldsAsync(string permission, CancellationToken cancellationToken = default) =>
        (await PermissionsAsync(cancellationToken)).Contains(permission);

    public async Task<IReadOnlyList<Organization>> OrganizationsAsync(CancellationToken cancellationToken = default)
    {
        if (_organizations is null)
        {
            var listed = IsSignedIn ? await account.OrganizationsAsync(cancellationToken) : default;
            _organizations = listed.Value ?? [];
        }

        return _organizations;
    }
}
