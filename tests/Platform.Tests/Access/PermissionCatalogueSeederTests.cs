using Platform.Access;
using TestKit;

namespace Platform.Tests.Access;

[TestClass]
public sealed class PermissionCatalogueSeederTests
{
    private const string GrantsQuery = "SELECT r.name || ':' || rp.permission_name FROM role_permissions rp JOIN roles r ON r.id = rp.role_id ORDER BY 1";

    [TestMethod]
    public async Task Seeding_writes_the_catalogue_and_the_system_roles_with_their_permissions()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("seed_writes");
        await AccessDatabase.MigrateAsync(db);

        await PermissionCatalogueSeeder.SeedAsync(db.OwnerConnectionString);

        await using var access = await AccessDatabase.OnAsync(db);
        CollectionAssert.AreEquivalent(
            PermissionCatalogue.All.Select(p => $"{p.Name}|{p.Group}|{p.DisplayName}|{p.Description}").ToArray(),
            await access.QueryAsOwnerAsync("SELECT name || '|' || group_name || '|' || display_name || '|' || description FROM permissions"));
        CollectionAssert.AreEquivalent(
            SystemRoles.All.Select(r => $"{r.Id}|{r.Name}|{(int)r.Rank}").ToArray(),
            await access.QueryAsOwnerAsync("SELECT id || '|' || name || '|' || rank FROM roles WHERE is_system AND tenant_id IS NULL"));
        CollectionAssert.AreEquivalent(
            SystemRoles.All.SelectMany(r => r.Permissions.Select(p => $"{r.Name}:{p}")).ToArray(),
            await access.QueryAsOwnerAsync(GrantsQuery));
    }

    [TestMethod]
    public async Task Seeding_twice_changes_nothing()
    {
        var db = await TestEnvironment.CreateDatabaseAsync("seed_twice");
        await AccessDatabase.MigrateAsync(db);
        var first = await PermissionCatalogueSeeder.SeedAsync(db.OwnerConnectionString);
        await using var access = await AccessDatabase.OnAsync(db);
        var grantsBefore = await access.QueryAsOwnerAsync(GrantsQuery);

        var second = await PermissionCatalogueSeeder.SeedAsync(db.OwnerConnectionString);

        Assert.IsFalse(first.Unchanged);
        Assert.IsTrue(second.Unchanged, second.ToString());
        CollectionAssert.AreEqual(grantsBefore, await access.QueryAsOwnerAsync(GrantsQuery));
        CollectionAssert.AreEqual(new[] { PermissionCatalogue.All.Count.ToString() }, await access.QueryAsOwnerAsync("SELECT count(*) FROM permissions"));
    }

    [TestMethod]
    public async Task A_permission_dropped_from_code_is_removed_with_its_grants_to_every_role()
    {
        await using var access = await AccessDatabase.CreateAsync("seed_drop");
        var tenant = await access.CreateOrganizationAsync();
        // As an older version of the code would have left it: a permission, granted to a system role and a custom role.
        await access.ExecuteAsOwnerAsync("INSERT INTO permissions VALUES ('customers.merge_legacy', 'customers', 'Merge (legacy)', 'Merges customers the old way.')");
        await access.ExecuteAsOwnerAsync("INSERT INTO role_permissions VALUES ($1, 'customers.merge_legacy')", SystemRoles.Manager.Id);
        var custom = await access.CreateCustomRoleAsOwnerAsync(tenant, "Merger", "customers.merge_legacy", Permissions.Customers.Read);

        var result = await PermissionCatalogueSeeder.SeedAsync(access.Database.OwnerConnectionString);

        CollectionAssert.AreEqual(new[] { "customers.merge_legacy" }, result.PermissionsRemoved.ToArray());
        Assert.IsEmpty(await access.QueryAsOwnerAsync("SELECT name FROM permissions WHERE name = 'customers.merge_legacy'"));
        Assert.IsEmpty(await access.QueryAsOwnerAsync("SELECT role_id::text FROM role_permissions WHERE permission_name = 'customers.merge_legacy'"));
        CollectionAssert.AreEqual(new[] { Permissions.Customers.Read }, await access.QueryAsOwnerAsync("SELECT permission_name FROM role_permissions WHERE role_id = $1", custom));
    }

    [TestMethod]
    public async Task Seeding_puts_back_a_system_role_whose_grants_were_changed_in_the_database()
    {
        await using var access = await AccessDatabase.CreateAsync("seed_repair");
        await access.ExecuteAsOwnerAsync("DELETE FROM role_permissions WHERE role_id = $1 AND permission_name = $2", SystemRoles.Owner.Id, Permissions.Billing.ManagePlan);
        await access.ExecuteAsOwnerAsync("INSERT INTO role_permissions VALUES ($1, $2)", SystemRoles.Viewer.Id, Permissions.Customers.Delete);
        await access.ExecuteAsOwnerAsync("UPDATE roles SET description = 'tampered' WHERE id = $1", SystemRoles.Admin.Id);

        var result = await PermissionCatalogueSeeder.SeedAsync(access.Database.OwnerConnectionString);

        Assert.AreEqual(1, result.RolePermissionsAdded);
        Assert.AreEqual(1, result.RolePermissionsRemoved);
        CollectionAssert.AreEquivalent(SystemRoles.Viewer.Permissions.ToArray(), await access.QueryAsOwnerAsync("SELECT permission_name FROM role_permissions WHERE role_id = $1", SystemRoles.Viewer.Id));
        CollectionAssert.AreEquivalent(SystemRoles.Owner.Permissions.ToArray(), await access.QueryAsOwnerAsync("SELECT permission_name FROM role_permissions WHERE role_id = $1", SystemRoles.Owner.Id));
        CollectionAssert.AreEqual(new[] { SystemRoles.Admin.Description }, await access.QueryAsOwnerAsync("SELECT description FROM roles WHERE id = $1", SystemRoles.Admin.Id));
    }
}
