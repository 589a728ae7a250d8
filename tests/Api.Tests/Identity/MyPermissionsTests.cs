using System.Net.Http.Json;
using Platform.Access;

namespace Api.Tests.Identity;

/// <summary>The signed-in user's own permissions in the current organization: what a client uses to show only what they may do.</summary>
[TestClass]
public sealed class MyPermissionsTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("mypermissions");

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task An_owner_and_a_viewer_each_see_the_permissions_of_their_role_in_the_current_organization()
    {
        var owner = await _api.RegisterAndSignInAsync("permowner", "o@permowner.test");
        var viewer = await _api.RegisterAndSignInAsync("permviewer", "v@permviewer.test");
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, owner.OrganizationId, viewer.UserId, SystemRoles.Viewer);
        var viewerInOwnersOrganization = await _api.LoginAsync(viewer.Email, viewer.Password, organization: "permowner");
        using var viewerClient = _api.Authorized(viewerInOwnersOrganization.AccessToken);

        var ownerHolds = (await owner.Client.GetFromJsonAsync<PermissionsBody>("/api/v1/account/permissions"))!.Permissions;
        var viewerHolds = (await viewerClient.GetFromJsonAsync<PermissionsBody>("/api/v1/account/permissions"))!.Permissions;

        CollectionAssert.Contains(ownerHolds.ToList(), Permissions.Users.Invite);
        CollectionAssert.Contains(viewerHolds.ToList(), Permissions.Organization.Read);
        CollectionAssert.DoesNotContain(viewerHolds.ToList(), Permissions.Users.Invite);
        Assert.IsTrue(viewerHolds.Length < ownerHolds.Length, "a viewer holds fewer permissions than the owner");
    }

    private sealed record PermissionsBody(string[] Permissions);
}
