using Npgsql;
using Platform.Access;

namespace Platform.Tests.Access;

[TestClass]
public sealed class RoleServiceTests
{
    private static AccessDatabase _access = null!;

    [ClassInitialize]
    public static async Task CreateDatabase(TestContext context) => _access = await AccessDatabase.CreateAsync("access_roles");

    [ClassCleanup]
    public static async Task DropClients() => await _access.DisposeAsync();

    private static RoleService Roles => _access.Roles;

    [TestMethod]
    public async Task An_admin_creates_a_custom_role_from_permissions_they_hold_and_members_given_it_hold_them()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        var clerk = await _access.CreateMemberAsync(tenant);

        var role = await Roles.CreateRoleAsync(tenant, admin, "  Billing clerk ", "Reads and sends invoices.", [Permissions.Invoices.Read, Permissions.Invoices.Send]);
        await Roles.AssignRoleAsync(tenant, admin, clerk, role.Id);

        Assert.AreEqual("Billing clerk", role.Name);
        Assert.IsFalse(role.IsSystem);
        CollectionAssert.AreEquivalent(new[] { Permissions.Invoices.Read, Permissions.Invoices.Send }, (await _access.Evaluator.GetPermissionsAsync(tenant, clerk)).ToArray());
        var listed = (await Roles.ListRolesAsync(tenant, admin)).Single(r => r.Id == role.Id);
        CollectionAssert.AreEquivalent(role.Permissions.ToArray(), listed.Permissions.ToArray());
    }

    [TestMethod]
    public async Task Nobody_can_put_a_permission_they_do_not_hold_into_a_role()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);

        var denied = await Assert.ThrowsExactlyAsync<AccessDeniedException>(() =>
            Roles.CreateRoleAsync(tenant, admin, "Treasurer", null, [Permissions.Customers.Read, Permissions.Billing.Read, Permissions.Billing.ManagePlan]));

        Assert.AreEqual("permission_denied", denied.Code);
        CollectionAssert.AreEqual(new[] { Permissions.Billing.ManagePlan, Permissions.Billing.Read }, denied.MissingPermissions.ToArray());
        StringAssert.Contains(denied.Message, "billing.manage_plan, billing.read");
        Assert.IsEmpty(await _access.QueryAsOwnerAsync("SELECT name FROM roles WHERE tenant_id = $1", tenant));
    }

    [TestMethod]
    public async Task Unknown_permission_names_are_refused_and_named()
    {
        var (tenant, owner) = await OrganizationWithAsync(SystemRoles.Owner);

        var error = await Assert.ThrowsExactlyAsync<UnknownPermissionException>(() =>
            Roles.CreateRoleAsync(tenant, owner, "Typos", null, [Permissions.Customers.Read, "customers.raed", "invoices.fly"]));

        Assert.AreEqual("unknown_permissions", error.Code);
        CollectionAssert.AreEqual(new[] { "customers.raed", "invoices.fly" }, error.UnknownPermissions.ToArray());
        Assert.AreEqual("Unknown permissions: customers.raed, invoices.fly.", error.Message);
    }

    [TestMethod]
    public async Task Managing_roles_needs_the_roles_permissions()
    {
        var (tenant, manager) = await OrganizationWithAsync(SystemRoles.Manager);

        var denied = await Assert.ThrowsExactlyAsync<AccessDeniedException>(() => Roles.CreateRoleAsync(tenant, manager, "Readers", null, [Permissions.Customers.Read]));

        CollectionAssert.AreEqual(new[] { Permissions.Roles.Create }, denied.MissingPermissions.ToArray());
    }

    [TestMethod]
    public async Task Editing_a_role_needs_every_permission_it_had_and_will_have()
    {
        var (tenant, owner) = await OrganizationWithAsync(SystemRoles.Owner);
        var admin = await _access.CreateMemberAsync(tenant, SystemRoles.Admin.Id);
        var role = await Roles.CreateRoleAsync(tenant, owner, "Finance", null, [Permissions.Billing.Read, Permissions.Invoices.Read]);

        // Taking billing.read away would still be changing who holds it: the admin does not hold it.
        var denied = await Assert.ThrowsExactlyAsync<AccessDeniedException>(() =>
            Roles.UpdateRoleAsync(tenant, admin, role.Id, "Finance", null, [Permissions.Invoices.Read]));

        CollectionAssert.AreEqual(new[] { Permissions.Billing.Read }, denied.MissingPermissions.ToArray());
        CollectionAssert.AreEquivalent(
            new[] { Permissions.Billing.Read, Permissions.Invoices.Read },
            await _access.QueryAsOwnerAsync("SELECT permission_name FROM role_permissions WHERE role_id = $1", role.Id));
    }

    [TestMethod]
    public async Task Updating_a_role_replaces_its_permissions_and_its_holders_see_it_at_once()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        var clerk = await _access.CreateMemberAsync(tenant);
        var role = await Roles.CreateRoleAsync(tenant, admin, "Clerk", null, [Permissions.Invoices.Read]);
        await Roles.AssignRoleAsync(tenant, admin, clerk, role.Id);
        Assert.IsFalse(await _access.Evaluator.HasPermissionAsync(tenant, clerk, Permissions.Payments.Create), "cached before the change");

        var updated = await Roles.UpdateRoleAsync(tenant, admin, role.Id, "Cashier", "Takes payments.", [Permissions.Payments.Read, Permissions.Payments.Create]);

        Assert.AreEqual("Cashier", updated.Name);
        CollectionAssert.AreEquivalent(new[] { Permissions.Payments.Read, Permissions.Payments.Create }, (await _access.Evaluator.GetPermissionsAsync(tenant, clerk)).ToArray());
    }

    [TestMethod]
    public async Task Assigning_a_role_invalidates_the_members_cached_permissions_at_once()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        var user = await _access.CreateMemberAsync(tenant, SystemRoles.Viewer.Id);
        Assert.IsFalse(await _access.Evaluator.HasPermissionAsync(tenant, user, Permissions.Customers.Delete), "cached before the change");

        var added = await Roles.AssignRoleAsync(tenant, admin, user, SystemRoles.Manager.Id);

        Assert.IsTrue(added);
        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, user, Permissions.Customers.Delete));
    }

    [TestMethod]
    public async Task Unassigning_a_role_invalidates_at_once()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        var user = await _access.CreateMemberAsync(tenant, SystemRoles.Manager.Id);
        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, user, Permissions.Customers.Delete), "cached before the change");

        var removed = await Roles.UnassignRoleAsync(tenant, admin, user, SystemRoles.Manager.Id);

        Assert.IsTrue(removed);
        Assert.IsEmpty(await _access.Evaluator.GetPermissionsAsync(tenant, user));
    }

    [TestMethod]
    public async Task Nobody_can_assign_or_remove_a_role_holding_permissions_they_lack()
    {
        var (tenant, owner) = await OrganizationWithAsync(SystemRoles.Owner);
        var admin = await _access.CreateMemberAsync(tenant, SystemRoles.Admin.Id);
        var user = await _access.CreateMemberAsync(tenant);

        var assign = await Assert.ThrowsExactlyAsync<AccessDeniedException>(() => Roles.AssignRoleAsync(tenant, admin, user, SystemRoles.Owner.Id));
        var remove = await Assert.ThrowsExactlyAsync<AccessDeniedException>(() => Roles.UnassignRoleAsync(tenant, admin, owner, SystemRoles.Owner.Id));

        Assert.Contains(Permissions.Billing.ManagePlan, assign.MissingPermissions);
        Assert.Contains(Permissions.Organization.Transfer, remove.MissingPermissions);
        Assert.IsEmpty(await _access.Evaluator.GetPermissionsAsync(tenant, user));
        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, owner, Permissions.Organization.Delete));
    }

    [TestMethod]
    public async Task The_last_owner_cannot_be_removed()
    {
        var (tenant, owner) = await OrganizationWithAsync(SystemRoles.Owner);

        var error = await Assert.ThrowsExactlyAsync<AccessRuleViolationException>(() => Roles.UnassignRoleAsync(tenant, owner, owner, SystemRoles.Owner.Id));

        Assert.AreEqual("last_owner", error.Code);
        StringAssert.Contains(error.Message, "The last owner cannot be removed");
        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, owner, Permissions.Organization.Delete));
    }

    [TestMethod]
    public async Task One_of_two_owners_can_step_down_but_not_the_remaining_one()
    {
        var (tenant, first) = await OrganizationWithAsync(SystemRoles.Owner);
        var second = await _access.CreateMemberAsync(tenant, SystemRoles.Owner.Id);

        Assert.IsTrue(await Roles.UnassignRoleAsync(tenant, first, first, SystemRoles.Owner.Id));
        var error = await Assert.ThrowsExactlyAsync<AccessRuleViolationException>(() => Roles.UnassignRoleAsync(tenant, second, second, SystemRoles.Owner.Id));

        Assert.AreEqual(AccessRuleViolationException.LastOwner, error.Code);
    }

    [TestMethod]
    public async Task Two_owners_removing_each_other_at_the_same_time_leave_one_owner()
    {
        var (tenant, first) = await OrganizationWithAsync(SystemRoles.Owner);
        var second = await _access.CreateMemberAsync(tenant, SystemRoles.Owner.Id);

        // Hold the owners' assignment rows so both removals get past their permission checks and then wait on
        // the same rows: the worst interleaving, made certain rather than hoped for.
        await using var blocker = new NpgsqlConnection(_access.Database.OwnerConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand("SELECT 1 FROM member_roles WHERE tenant_id = $1 AND role_id = $2 FOR UPDATE", blocker, hold))
        {
            lockRows.Parameters.Add(new() { Value = tenant });
            lockRows.Parameters.Add(new() { Value = SystemRoles.Owner.Id });
            await lockRows.ExecuteNonQueryAsync();
        }

        var removals = new[]
        {
            Outcome(() => Roles.UnassignRoleAsync(tenant, first, second, SystemRoles.Owner.Id)),
            Outcome(() => Roles.UnassignRoleAsync(tenant, second, first, SystemRoles.Owner.Id)),
        };
        await WaitForSessionsWaitingOnLocksAsync(2, removals);
        await hold.CommitAsync();
        var outcomes = await Task.WhenAll(removals);

        CollectionAssert.AreEquivalent(new[] { "removed", AccessRuleViolationException.LastOwner }, outcomes);
        CollectionAssert.AreEqual(new[] { "1" }, await _access.QueryAsOwnerAsync("SELECT count(*) FROM member_roles WHERE tenant_id = $1 AND role_id = $2", tenant, SystemRoles.Owner.Id));

        static async Task<string> Outcome(Func<Task<bool>> unassign)
        {
            try
            {
                return await unassign() ? "removed" : "nothing";
            }
            catch (AccessException error)
            {
                return error.Code;
            }
        }
    }

    [TestMethod]
    public async Task System_roles_cannot_be_edited_or_deleted()
    {
        var (tenant, owner) = await OrganizationWithAsync(SystemRoles.Owner);

        var edit = await Assert.ThrowsExactlyAsync<AccessRuleViolationException>(() =>
            Roles.UpdateRoleAsync(tenant, owner, SystemRoles.Viewer.Id, "viewer", null, [Permissions.Customers.Read]));
        var delete = await Assert.ThrowsExactlyAsync<AccessRuleViolationException>(() => Roles.DeleteRoleAsync(tenant, owner, SystemRoles.Member.Id));

        Assert.AreEqual("system_role_immutable", edit.Code);
        Assert.AreEqual("system_role_immutable", delete.Code);
        CollectionAssert.AreEquivalent(
            SystemRoles.Viewer.Permissions.ToArray(),
            await _access.QueryAsOwnerAsync("SELECT permission_name FROM role_permissions WHERE role_id = $1", SystemRoles.Viewer.Id));
        CollectionAssert.AreEqual(new[] { "member" }, await _access.QueryAsOwnerAsync("SELECT name FROM roles WHERE id = $1", SystemRoles.Member.Id));
    }

    [TestMethod]
    public async Task Role_names_are_unique_in_an_organization_and_system_names_are_reserved()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        await Roles.CreateRoleAsync(tenant, admin, "Support", null, [Permissions.Customers.Read]);

        var taken = await Assert.ThrowsExactlyAsync<AccessRuleViolationException>(() => Roles.CreateRoleAsync(tenant, admin, "Support", null, []));
        var reserved = await Assert.ThrowsExactlyAsync<AccessRuleViolationException>(() => Roles.CreateRoleAsync(tenant, admin, "Owner", null, []));
        var (other, otherAdmin) = await OrganizationWithAsync(SystemRoles.Admin);
        var elsewhere = await Roles.CreateRoleAsync(other, otherAdmin, "Support", null, []);

        Assert.AreEqual("role_name_taken", taken.Code);
        Assert.AreEqual("role_name_reserved", reserved.Code);
        Assert.AreEqual("Support", elsewhere.Name, "another organization may use the same name");
    }

    [TestMethod]
    public async Task Deleting_a_custom_role_ends_its_assignments_at_once()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        var user = await _access.CreateMemberAsync(tenant);
        var role = await Roles.CreateRoleAsync(tenant, admin, "Temporary", null, [Permissions.Documents.Read]);
        await Roles.AssignRoleAsync(tenant, admin, user, role.Id);
        Assert.IsTrue(await _access.Evaluator.HasPermissionAsync(tenant, user, Permissions.Documents.Read), "cached before the change");

        await Roles.DeleteRoleAsync(tenant, admin, role.Id);

        Assert.IsEmpty(await _access.Evaluator.GetPermissionsAsync(tenant, user));
        Assert.IsEmpty(await _access.QueryAsOwnerAsync("SELECT id::text FROM roles WHERE id = $1", role.Id));
    }

    [TestMethod]
    public async Task Roles_of_another_organization_and_non_members_are_not_found()
    {
        var (tenant, admin) = await OrganizationWithAsync(SystemRoles.Admin);
        var (otherTenant, otherAdmin) = await OrganizationWithAsync(SystemRoles.Admin);
        var foreignRole = await Roles.CreateRoleAsync(otherTenant, otherAdmin, "Theirs", null, [Permissions.Customers.Read]);
        var member = await _access.CreateMemberAsync(tenant);
        var outsider = await _access.CreateMemberAsync(otherTenant);

        var role = await Assert.ThrowsExactlyAsync<AccessNotFoundException>(() => Roles.AssignRoleAsync(tenant, admin, member, foreignRole.Id));
        var deleteForeign = await Assert.ThrowsExactlyAsync<AccessNotFoundException>(() => Roles.DeleteRoleAsync(tenant, admin, foreignRole.Id));
        var notMember = await Assert.ThrowsExactlyAsync<AccessNotFoundException>(() => Roles.AssignRoleAsync(tenant, admin, outsider, SystemRoles.Viewer.Id));

        Assert.AreEqual("role_not_found", role.Code);
        Assert.AreEqual("role_not_found", deleteForeign.Code);
        Assert.AreEqual("member_not_found", notMember.Code);
        CollectionAssert.AreEqual(new[] { "Theirs" }, await _access.QueryAsOwnerAsync("SELECT name FROM roles WHERE id = $1", foreignRole.Id));
    }

    /// <summary>Waits until <paramref name="count"/> sessions of the test database wait on a lock, or a task ends first (it did not wait).</summary>
    private static async Task WaitForSessionsWaitingOnLocksAsync(int count, Task[] tasks)
    {
        await using var monitor = new NpgsqlConnection(_access.Database.SuperuserConnectionString);
        await monitor.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", monitor);
            waiting.Parameters.Add(new() { Value = _access.Database.Name });
            if ((long)(await waiting.ExecuteScalarAsync())! >= count || tasks.Any(t => t.IsCompleted))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{count} sessions never waited on the held rows.");
            }

            await Task.Delay(20);
        }
    }

    private static async Task<(Guid Tenant, Guid User)> OrganizationWithAsync(SystemRole role)
    {
        var tenant = await _access.CreateOrganizationAsync();
        return (tenant, await _access.CreateMemberAsync(tenant, role.Id));
    }
}
