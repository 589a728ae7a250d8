using Npgsql;
using Platform.Access;

namespace Platform.Tests.Access;

/// <summary>What the application role can see and write in the access tables, straight through SQL.</summary>
[TestClass]
public sealed class AccessRowLevelSecurityTests
{
    private static AccessDatabase _access = null!;

    [ClassInitialize]
    public static async Task CreateDatabase(TestContext context) => _access = await AccessDatabase.CreateAsync("access_rls");

    [ClassCleanup]
    public static async Task DropClients() => await _access.DisposeAsync();

    [TestMethod]
    public async Task An_organization_sees_the_system_roles_and_its_own_custom_roles_only()
    {
        var (a, aliceInA) = await OrganizationWithAsync(SystemRoles.Admin);
        var (b, _) = await OrganizationWithAsync(SystemRoles.Admin);
        var roleOfA = await _access.CreateCustomRoleAsOwnerAsync(a, "Role of A", Permissions.Customers.Read);
        var roleOfB = await _access.CreateCustomRoleAsOwnerAsync(b, "Role of B", Permissions.Customers.Export);

        var visible = await _access.QueryAsAppAsync(a, aliceInA, "SELECT name FROM roles");
        var grantsOfB = await _access.QueryAsAppAsync(a, aliceInA, "SELECT permission_name FROM role_permissions WHERE role_id = $1", roleOfB);
        var listed = await _access.Roles.ListRolesAsync(a, aliceInA);

        CollectionAssert.AreEquivalent(SystemRoles.All.Select(r => r.Name).Append("Role of A").ToArray(), visible);
        Assert.IsEmpty(grantsOfB);
        CollectionAssert.AreEquivalent(new[] { roleOfA }, listed.Where(r => !r.IsSystem).Select(r => r.Id).ToArray());
        Assert.IsNotEmpty(await _access.QueryAsAppAsync(a, aliceInA, "SELECT permission_name FROM role_permissions WHERE role_id = $1", SystemRoles.Viewer.Id));
    }

    [TestMethod]
    public async Task An_organization_cannot_see_another_organizations_role_assignments()
    {
        var (a, aliceInA) = await OrganizationWithAsync(SystemRoles.Admin);
        var (b, bobInB) = await OrganizationWithAsync(SystemRoles.Owner);

        var seenFromA = await _access.QueryAsAppAsync(a, aliceInA, "SELECT user_id::text FROM member_roles WHERE tenant_id = $1", b);
        var updated = await _access.ExecuteAsAppAsync(a, aliceInA, "DELETE FROM member_roles WHERE tenant_id = $1", b);

        Assert.IsEmpty(seenFromA);
        Assert.AreEqual(0, updated);
        CollectionAssert.AreEqual(new[] { bobInB.ToString() }, await _access.QueryAsOwnerAsync("SELECT user_id::text FROM member_roles WHERE tenant_id = $1", b));
    }

    [TestMethod]
    public async Task A_user_sees_their_own_assignments_in_every_organization_but_cannot_change_them_from_another()
    {
        var (a, user) = await OrganizationWithAsync(SystemRoles.Viewer);
        var b = await _access.CreateOrganizationAsync();
        await _access.AddMembershipAsync(b, user, SystemRoles.Member.Id);

        var own = await _access.QueryAsAppAsync(a, user, "SELECT role_id::text FROM member_roles WHERE user_id = $1", user);
        var deletedInB = await _access.ExecuteAsAppAsync(a, user, "DELETE FROM member_roles WHERE tenant_id = $1 AND user_id = $2", b, user);

        CollectionAssert.AreEquivalent(new[] { SystemRoles.Viewer.Id.ToString(), SystemRoles.Member.Id.ToString() }, own);
        Assert.AreEqual(0, deletedInB);
    }

    [TestMethod]
    public async Task The_application_role_cannot_create_a_system_role()
    {
        var (a, admin) = await OrganizationWithAsync(SystemRoles.Admin);

        var global = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            _access.ExecuteAsAppAsync(a, admin, "INSERT INTO roles (tenant_id, name, is_system, rank) VALUES (NULL, 'god', true, 1000)"));
        var global2 = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            _access.ExecuteAsAppAsync(a, admin, "INSERT INTO roles (tenant_id, name) VALUES (NULL, 'god')"));

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, global.SqlState, global.MessageText);
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, global2.SqlState, global2.MessageText);
        Assert.IsEmpty(await _access.QueryAsOwnerAsync("SELECT name FROM roles WHERE name = 'god'"));
    }

    [TestMethod]
    public async Task The_application_role_cannot_change_system_roles_or_their_permissions()
    {
        var (a, admin) = await OrganizationWithAsync(SystemRoles.Admin);

        var renamed = await _access.ExecuteAsAppAsync(a, admin, "UPDATE roles SET name = 'boss' WHERE id = $1", SystemRoles.Viewer.Id);
        var stripped = await _access.ExecuteAsAppAsync(a, admin, "DELETE FROM role_permissions WHERE role_id = $1", SystemRoles.Viewer.Id);
        var widened = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            _access.ExecuteAsAppAsync(a, admin, "INSERT INTO role_permissions VALUES ($1, $2)", SystemRoles.Viewer.Id, Permissions.System.TenantsManage));

        Assert.AreEqual(0, renamed);
        Assert.AreEqual(0, stripped);
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, widened.SqlState);
        CollectionAssert.AreEquivalent(
            SystemRoles.Viewer.Permissions.ToArray(),
            await _access.QueryAsOwnerAsync("SELECT permission_name FROM role_permissions WHERE role_id = $1", SystemRoles.Viewer.Id));
    }

    [TestMethod]
    public async Task The_application_role_cannot_write_roles_or_assignments_into_another_organization()
    {
        var (a, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        var (b, bob) = await OrganizationWithAsync(SystemRoles.Viewer);
        var roleOfB = await _access.CreateCustomRoleAsOwnerAsync(b, "Role of B", Permissions.Customers.Read);
        var member = await _access.CreateMemberAsync(a);

        var roleInB = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            _access.ExecuteAsAppAsync(a, admin, "INSERT INTO roles (tenant_id, name) VALUES ($1, 'planted')", b));
        var assignmentInB = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            _access.ExecuteAsAppAsync(a, admin, "INSERT INTO member_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)", b, bob, SystemRoles.Owner.Id));
        var foreignRole = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            _access.ExecuteAsAppAsync(a, admin, "INSERT INTO member_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)", a, member, roleOfB));

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, roleInB.SqlState);
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, assignmentInB.SqlState);
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, foreignRole.SqlState);
    }

    [TestMethod]
    public async Task The_catalogue_is_read_only_for_the_application_role()
    {
        var (a, admin) = await OrganizationWithAsync(SystemRoles.Admin);

        var added = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
            _access.ExecuteAsAppAsync(a, admin, "INSERT INTO permissions VALUES ('customers.steal', 'customers', 'Steal', 'Takes them.')"));
        var deleted = await _access.ExecuteAsAppAsync(a, admin, "DELETE FROM permissions");

        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, added.SqlState);
        Assert.AreEqual(0, deleted);
        CollectionAssert.AreEqual(
            new[] { PermissionCatalogue.All.Count.ToString() },
            await _access.QueryAsAppAsync(a, admin, "SELECT count(*) FROM permissions"));
    }

    [TestMethod]
    public async Task Without_an_organization_set_no_custom_role_or_assignment_is_visible()
    {
        var (a, _) = await OrganizationWithAsync(SystemRoles.Owner);
        await _access.CreateCustomRoleAsOwnerAsync(a, "Hidden", Permissions.Customers.Read);

        var roles = await _access.QueryAsAppAsync(null, null, "SELECT name FROM roles WHERE NOT is_system");
        var assignments = await _access.QueryAsAppAsync(null, null, "SELECT user_id::text FROM member_roles");

        Assert.IsEmpty(roles);
        Assert.IsEmpty(assignments);
    }

    private static async Task<(Guid Tenant, Guid User)> OrganizationWithAsync(SystemRole role)
    {
        var tenant = await _access.CreateOrganizationAsync();
        return (tenant, await _access.CreateMemberAsync(tenant, role.Id));
    }
}
