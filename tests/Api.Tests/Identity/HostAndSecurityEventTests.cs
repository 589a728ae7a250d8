using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.Access;

namespace Api.Tests.Identity;

[TestClass]
public sealed class HostAndSecurityEventTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) =>
        _api = await ApiFactory.CreateAsync("hosts", new Dictionary<string, string?> { ["Tenancy:BaseDomain"] = "platform.test" });

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task The_address_picks_the_organization_to_sign_in_to_and_refuses_another_organizations_token()
    {
        var home = await _api.RegisterAndSignInAsync("home-org", "member@hosts.test");
        var other = await _api.RegisterAndSignInAsync("other-org", "owner@other-hosts.test");
        await Api.Tests.TestMembers.AddAsync(_api.Database.SuperuserConnectionString, other.OrganizationId, home.UserId, SystemRoles.Viewer);
        using var atOther = _api.CreateClient(new() { BaseAddress = new Uri("http://other-org.platform.test") });

        var login = await atOther.PostAsJsonAsync("/api/v1/auth/login", new { email = home.Email, password = home.Password });
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/account");
        request.Headers.Authorization = new("Bearer", tokens.GetProperty("accessToken").GetString());
        var me = await (await atOther.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.AreEqual(other.OrganizationId, me.GetProperty("organizationId").GetGuid(), "signed in to the organization the address names");
        using var wrongAddress = new HttpRequestMessage(HttpMethod.Get, "/api/v1/account");
        wrongAddress.Headers.Authorization = new("Bearer", home.Tokens.AccessToken);
        var refused = await atOther.SendAsync(wrongAddress);
        Assert.AreEqual(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.AreEqual("wrong_organization", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task Failed_sign_ins_and_permission_denials_are_recorded_as_security_events()
    {
        var owner = await _api.RegisterAndSignInAsync("events-org", "owner@events.test");
        var viewer = await _api.RegisterAndSignInAsync("viewer-events", "viewer@events.test");
        await Api.Tests.TestMembers.AddAsync(_api.Database.SuperuserConnectionString, owner.OrganizationId, viewer.UserId, SystemRoles.Viewer);
        using var anonymous = _api.CreateClient();
        await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = "definitely wrong password" });
        using var asViewer = _api.Authorized((await _api.LoginAsync(viewer.Email, viewer.Password, organization: "events-org")).AccessToken);
        await asViewer.GetAsync("/api/v1/audit/logs");

        var events = await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/audit/logs?securityOnly=true");
        var actions = events.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();

        CollectionAssert.Contains(actions, "security.failed_login");
        CollectionAssert.Contains(actions, "security.permission_denied");
    }
}
