using Platform.Access;

namespace Platform.Tests.Access;

[TestClass]
public sealed class SystemRolesTests
{
    private static readonly string[] BusinessGroups = ["customers", "subscriptions", "invoices", "payments", "products", "analytics", "workflows", "documents"];

    [TestMethod]
    public void The_hierarchy_runs_from_super_admin_down_to_viewer()
    {
        CollectionAssert.AreEqual(
            new[] { "super_admin", "owner", "admin", "manager", "member", "viewer" },
            SystemRoles.All.Select(r => r.Name).ToArray());
        CollectionAssert.AreEqual(
            SystemRoles.All.OrderByDescending(r => r.Rank).ToArray(),
            SystemRoles.All.ToArray());
    }

    [TestMethod]
    public void Each_role_holds_everything_the_role_below_it_holds_and_more()
    {
        foreach (var (higher, lower) in SystemRoles.All.Zip(SystemRoles.All.Skip(1)))
        {
            Assert.IsTrue(higher.Permissions.IsProperSupersetOf(lower.Permissions), $"{higher.Name} ⊋ {lower.Name}");
        }
    }

    [TestMethod]
    public void The_super_admin_holds_every_permission_and_only_it_holds_system_permissions()
    {
        CollectionAssert.AreEquivalent(PermissionCatalogue.All.Select(p => p.Name).ToArray(), SystemRoles.PlatformSuperAdmin.Permissions.ToArray());
        Assert.IsFalse(SystemRoles.Owner.Permissions.Any(p => p.StartsWith("system.", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void The_viewer_reads_business_data_and_changes_nothing()
    {
        var viewer = SystemRoles.Viewer.Permissions;

        var mutating = viewer.Where(p => !p.EndsWith(".read", StringComparison.Ordinal)).ToArray();
        Assert.IsEmpty(mutating, string.Join(", ", mutating));
        foreach (var group in BusinessGroups)
        {
            Assert.Contains($"{group}.read", viewer);
        }
    }

    [TestMethod]
    public void A_member_creates_and_edits_business_data_but_cannot_delete_export_or_import_it()
    {
        var member = SystemRoles.Member.Permissions;

        Assert.Contains(Permissions.Customers.Create, member);
        Assert.Contains(Permissions.Invoices.Update, member);
        Assert.IsFalse(member.Any(p => p.EndsWith(".delete", StringComparison.Ordinal) || p.EndsWith(".export", StringComparison.Ordinal) || p.EndsWith(".import", StringComparison.Ordinal)));
        Assert.DoesNotContain(Permissions.Workflows.Create, member);
    }

    [TestMethod]
    public void A_manager_adds_delete_export_import_and_workflows_but_no_administration()
    {
        var manager = SystemRoles.Manager.Permissions;

        foreach (var group in new[] { "customers", "subscriptions", "invoices", "payments", "products" })
        {
            Assert.Contains($"{group}.delete", manager);
            Assert.Contains($"{group}.export", manager);
            Assert.Contains($"{group}.import", manager);
        }

        Assert.IsTrue(PermissionCatalogue.All.Where(p => p.Group == "workflows").All(p => manager.Contains(p.Name)));
        Assert.IsFalse(manager.Any(p => p.StartsWith("users.", StringComparison.Ordinal) || p.StartsWith("roles.", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void An_admin_adds_administration_but_not_billing_or_organization_deletion()
    {
        var admin = SystemRoles.Admin.Permissions;

        foreach (var group in new[] { "users", "roles", "api_keys", "settings", "security", "audit", "themes", "domains", "webhooks" })
        {
            Assert.IsTrue(PermissionCatalogue.All.Where(p => p.Group == group).All(p => admin.Contains(p.Name)), group);
        }

        Assert.IsFalse(admin.Any(p => p.StartsWith("billing.", StringComparison.Ordinal)));
        Assert.DoesNotContain(Permissions.Organization.Delete, admin);
        Assert.DoesNotContain(Permissions.Organization.Transfer, admin);
    }

    [TestMethod]
    public void An_owner_adds_billing_and_organization_deletion_and_transfer()
    {
        var added = SystemRoles.Owner.Permissions.Except(SystemRoles.Admin.Permissions).Order().ToArray();

        var expected = PermissionCatalogue.All.Where(p => p.Group == "billing").Select(p => p.Name)
            .Append(Permissions.Organization.Delete).Append(Permissions.Organization.Transfer).Order().ToArray();
        CollectionAssert.AreEqual(expected, added);
    }

    [TestMethod]
    public void System_role_ids_are_fixed()
    {
        // Stored in every database and referenced by assignments: changing one orphans them.
        Assert.AreEqual(Guid.Parse("00000000-0000-0000-0000-0000000000a5"), SystemRoles.Owner.Id);
        Assert.AreEqual(Guid.Parse("00000000-0000-0000-0000-0000000000a1"), SystemRoles.Viewer.Id);
        Assert.HasCount(SystemRoles.All.Count, SystemRoles.All.Select(r => r.Id).Distinct());
        Assert.AreSame(SystemRoles.Admin, SystemRoles.Find(SystemRoles.Admin.Id));
    }
}
