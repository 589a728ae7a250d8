using Platform.Access;

namespace Platform.Tests.Access;

[TestClass]
public sealed class PermissionEvaluatorTests
{
    private static AccessDatabase _access = null!;

    [ClassInitialize]
    public static async Task CreateDatabase(TestContext context) => _access = await AccessDatabase.CreateAsync("access_eval");

    [ClassCleanup]
    public static async Task DropClients() => await _access.DisposeAsync();

    [TestMethod]
    public async Task A_member_holds_the_union_of_the_permissions_of_their_roles()
    {
        var tenant = await _access.CreateOrganizationAsync();
        var exporter = await _access.CreateCustomRoleAsOwnerAsync(tenant, "Exporter", Permissions.Customers.Export, Permissions.Invoices.Export);
        var user = await _access.CreateMemberAsync(tenant, SystemRoles.Viewer.Id, exporter);

        var permissions = await _access.Evaluator.GetPermissionsAsync(tenant, user);

        CollectionAssert.AreEquivalent(
            SystemRoles.Viewer.Permissions.Append(Permissions.Customers.Export).Append(Permissions.Invoices.Export).ToArray(),
            permissions.ToArray());
    }

    [TestMethod]
    public async Task A_member_without_roles_and_a_stranger_hold_nothing()
    {
        var tenant = await _access.CreateOrganizationAsync();
        var roleless = await _access.CreateMemberAsync(tenant);
        var stranger = await _access.CreateMemberAsync(await _access.CreateOrganizationAsync(), SystemRoles.Owner.Id);

        Assert.IsEmpty(await _access.Evaluator.GetPermissionsAsync(tenant, roleless));
        Assert.IsEmpty(await _access.Evaluator.GetPermissionsAsync(tenant, stranger));
    }

    [TestMethod]
    public async Task Permissions_are_per_organization()
    {
        var first = await _access.CreateOrganizationAsync();
        var second = await _access.CreateOrganizationAsync();
        var user = await _access.CreateMemberAsync(first, SystemRoles.Admin.Id);
        await _access.AddMembershipAsync(second, user, SystemRoles.Viewer.Id);

        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(first, user, Permissions.Roles.Assign));
        Assert.IsFalse(await _access.Evaluator.HasPermissionAsync(second, user, Permissions.Roles.Assign));
        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(second, user, Permissions.Customers.Read));
    }

    [TestMethod]
    public async Task Asking_about_a_permission_that_does_not_exist_is_an_error_not_a_silent_denial()
    {
        var tenant = await _access.CreateOrganizationAsync();
        var user = await _access.CreateMemberAsync(tenant, SystemRoles.Owner.Id);

        var error = await Assert.ThrowsExactlyAsync<UnknownPermissionException>(() => _access.Evaluator.HasPermissionAsync(tenant, user, "customers.raed"));

        StringAssert.Contains(error.Message, "customers.raed");
    }

    [TestMethod]
    public async Task A_second_call_is_served_from_the_cache_until_the_tenant_is_invalidated()
    {
        var tenant = await _access.CreateOrganizationAsync();
        var user = await _access.CreateMemberAsync(tenant, SystemRoles.Viewer.Id);
        await _access.Evaluator.GetPermissionsAsync(tenant, user);

        // Behind the module's back: nothing tells the cache.
        await _access.GrantAsOwnerAsync(tenant, user, SystemRoles.Manager.Id);
        var cached = await _access.Evaluator.GetPermissionsAsync(tenant, user);
        await _access.Evaluator.InvalidateTenantAsync(tenant);
        var fresh = await _access.Evaluator.GetPermissionsAsync(tenant, user);

        CollectionAssert.AreEquivalent(SystemRoles.Viewer.Permissions.ToArray(), cached.ToArray());
        CollectionAssert.AreEquivalent(SystemRoles.Manager.Permissions.ToArray(), fresh.ToArray());
    }

    [TestMethod]
    public async Task Invalidating_a_tenant_refreshes_all_its_members_and_no_other_tenant()
    {
        var tenant = await _access.CreateOrganizationAsync();
        var other = await _access.CreateOrganizationAsync();
        var alice = await _access.CreateMemberAsync(tenant, SystemRoles.Viewer.Id);
        var bob = await _access.CreateMemberAsync(tenant, SystemRoles.Viewer.Id);
        var carol = await _access.CreateMemberAsync(other, SystemRoles.Viewer.Id);
        foreach (var (t, u) in new[] { (tenant, alice), (tenant, bob), (other, carol) })
        {
            await _access.Evaluator.GetPermissionsAsync(t, u);
            await _access.GrantAsOwnerAsync(t, u, SystemRoles.Member.Id);
        }

        await _access.Evaluator.InvalidateTenantAsync(tenant);

        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, alice, Permissions.Customers.Create));
        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, bob, Permissions.Customers.Create));
        Assert.IsFalse(await _access.Evaluator.HasPermissionAsync(other, carol, Permissions.Customers.Create), "the other tenant's cache is untouched");
    }

    [TestMethod]
    public async Task The_cache_survives_losing_the_version_key_without_serving_old_entries()
    {
        var tenant = await _access.CreateOrganizationAsync();
        var user = await _access.CreateMemberAsync(tenant, SystemRoles.Viewer.Id);
        await _access.Evaluator.InvalidateTenantAsync(tenant);
        await _access.Evaluator.GetPermissionsAsync(tenant, user);
        await _access.GrantAsOwnerAsync(tenant, user, SystemRoles.Member.Id);

        // As after an eviction or a Redis restart without persistence, while old entries may still be there.
        await _access.Redis.DeleteAsync(PermissionEvaluator.VersionKey(tenant));
        await _access.Evaluator.InvalidateTenantAsync(tenant);

        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, user, Permissions.Customers.Create));
    }
}
