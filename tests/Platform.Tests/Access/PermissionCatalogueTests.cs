using System.Text.RegularExpressions;
using Platform.Access;

namespace Platform.Tests.Access;

[TestClass]
public sealed partial class PermissionCatalogueTests
{
    private static readonly string[] ProductGroups =
    [
        "users", "organization", "roles", "api_keys", "audit", "security", "billing", "customers", "subscriptions",
        "invoices", "payments", "products", "analytics", "workflows", "messaging", "webhooks", "email", "notifications", "documents", "ai",
        "themes", "domains", "settings", "system",
    ];

    [TestMethod]
    public void The_catalogue_has_more_than_100_permissions_with_unique_names()
    {
        var names = PermissionCatalogue.All.Select(p => p.Name).ToArray();

        Assert.IsGreaterThan(100, names.Length);
        Assert.HasCount(names.Length, names.Distinct(StringComparer.Ordinal));
    }

    [TestMethod]
    public void Every_group_of_the_product_is_present_and_each_permission_sits_in_the_group_its_name_starts_with()
    {
        CollectionAssert.AreEquivalent(ProductGroups, PermissionCatalogue.Groups.ToArray());
        foreach (var permission in PermissionCatalogue.All)
        {
            Assert.AreEqual(permission.Name.Split('.')[0], permission.Group, permission.Name);
        }
    }

    [TestMethod]
    public void Every_name_is_dotted_lowercase_snake_case()
    {
        var malformed = PermissionCatalogue.All.Select(p => p.Name).Where(n => !NamePattern().IsMatch(n)).ToArray();

        Assert.IsEmpty(malformed, string.Join(", ", malformed));
    }

    [TestMethod]
    public void Every_permission_has_a_display_name_and_a_description()
    {
        var undescribed = PermissionCatalogue.All.Where(p => string.IsNullOrWhiteSpace(p.DisplayName) || string.IsNullOrWhiteSpace(p.Description)).Select(p => p.Name).ToArray();

        Assert.IsEmpty(undescribed, string.Join(", ", undescribed));
    }

    [TestMethod]
    public void Constants_used_by_endpoints_are_found_in_the_catalogue()
    {
        var export = PermissionCatalogue.Find(Permissions.Customers.Export);
        var tenants = PermissionCatalogue.Find(Permissions.System.TenantsManage);

        Assert.IsNotNull(export);
        Assert.AreEqual("customers", export.Group);
        Assert.AreEqual("system.tenants.manage", tenants?.Name);
        Assert.AreEqual("system", tenants?.Group);
        Assert.IsNull(PermissionCatalogue.Find("customers.teleport"));
        Assert.IsNull(PermissionCatalogue.Find("Customers.Read"), "names are case-sensitive");
    }

    [TestMethod]
    public void Unknown_names_are_reported_sorted_and_once()
    {
        var unknown = PermissionCatalogue.Unknown(["customers.read", "zebra.ride", "apples.eat", "zebra.ride"]);

        CollectionAssert.AreEqual(new[] { "apples.eat", "zebra.ride" }, unknown.ToArray());
    }

    [GeneratedRegex(@"^[a-z_]+(\.[a-z_]+)+$")]
    private static partial Regex NamePattern();
}
