using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Access;

namespace Api.Tests.Identity;

[TestClass]
public sealed class OrganizationSwitchTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("switching");

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_member_of_two_organizations_lists_them_and_switches_between_them()
    {
        var first = await _api.RegisterAndSignInAsync("first-org", "both@switch.test");
        var second = await _api.RegisterAndSignInAsync("second-org", "owner@second.test");
        await Api.Tests.TestMembers.AddAsync(_api.Database.SuperuserConnectionString, second.OrganizationId, first.UserId, SystemRoles.Admin);

        var organizations = await first.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/account/organizations");
        var switched = await first.Client.PostAsJsonAsync("/api/v1/account/switch-organization", new { organizationId = second.OrganizationId });

        CollectionAssert.AreEquivalent(new[] { "first-org", "second-org" }, organizations!.Select(o => o.GetProperty("slug").GetString()).ToArray());
        Assert.AreEqual(HttpStatusCode.OK, switched.StatusCode);
        using var inSecond = _api.Authorized((await switched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
        var me = await inSecond.GetFromJsonAsync<JsonElement>("/api/v1/account");
        Assert.AreEqual(second.OrganizationId, me.GetProperty("organizationId").GetGuid());
        var members = await inSecond.GetStringAsync("/api/v1/users");
        StringAssert.Contains(members, "owner@second.test");
    }

    [TestMethod]
    public async Task Switching_into_an_organization_one_does_not_belong_to_is_refused()
    {
        var outsider = await _api.RegisterAndSignInAsync("outsider-org", "outsider@switch.test");
        var target = await _api.RegisterAndSignInAsync("target-org", "owner@target.test");

        var response = await outsider.Client.PostAsJsonAsync("/api/v1/account/switch-organization", new { organizationId = target.OrganizationId });

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.AreEqual("not_a_member", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
