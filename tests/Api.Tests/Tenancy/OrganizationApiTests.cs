using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Access;

namespace Api.Tests.Tenancy;

/// <summary>The current organization's settings: renamed and set to require a second factor by its admins, audited, refused on their fields, and never another organization's.</summary>
[TestClass]
public sealed class OrganizationApiTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("organization");

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task An_owner_renames_the_organization_and_requires_a_second_factor_and_the_change_is_audited()
    {
        var owner = await _api.RegisterAndSignInAsync("settings", "owner@settings.test");

        var initial = await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/organization");
        var slugChange = await owner.Client.PutAsJsonAsync("/api/v1/organization", new { name = "Settings", mfaRequired = false, slug = "renamed", plan = "enterprise" });
        var updated = await owner.Client.PutAsJsonAsync("/api/v1/organization", new { name = "  Settings & Co  ", mfaRequired = true });

        Assert.AreEqual("settings", initial.GetProperty("slug").GetString());
        Assert.AreEqual("free", initial.GetProperty("plan").GetString());
        Assert.IsFalse(initial.GetProperty("mfaRequired").GetBoolean());
        Assert.AreEqual(HttpStatusCode.BadRequest, slugChange.StatusCode, "the slug and the plan are not settings of this endpoint");
        Assert.AreEqual(HttpStatusCode.OK, updated.StatusCode, await updated.Content.ReadAsStringAsync());
        var now = await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/organization");
        Assert.AreEqual("Settings & Co", now.GetProperty("name").GetString());
        Assert.IsTrue(now.GetProperty("mfaRequired").GetBoolean());
        Assert.AreEqual("settings", now.GetProperty("slug").GetString(), "the slug is read-only");
        Assert.AreEqual("free", now.GetProperty("plan").GetString(), "the plan is read-only");
        var entries = (await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/audit/logs?action=organization.updated")).GetProperty("items");
        Assert.AreEqual(1, entries.GetArrayLength());
        Assert.AreEqual(owner.OrganizationId.ToString(), entries[0].GetProperty("resourceId").GetString());
        Assert.IsTrue(entries[0].GetProperty("isSecurityEvent").GetBoolean(), "requiring a second factor is a security event");
        StringAssert.Contains(entries[0].GetProperty("changes").GetString(), "Settings & Co");
        var tokens = await _api.LoginAsync(owner.Email, owner.Password);
        Assert.IsTrue(tokens.MfaSetupRequired, "a member without a second factor is asked to set one up at the next sign-in");
    }

    [TestMethod]
    public async Task An_empty_or_overlong_name_is_refused_on_its_field_and_nothing_changes()
    {
        var owner = await _api.RegisterAndSignInAsync("settings-invalid", "owner@settings-invalid.test");

        var empty = await owner.Client.PutAsJsonAsync("/api/v1/organization", new { name = "   ", mfaRequired = true });
        var overlong = await owner.Client.PutAsJsonAsync("/api/v1/organization", new { name = new string('x', 201) });

        foreach (var refused in new[] { empty, overlong })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.AreEqual("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.IsTrue((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("name", out _));
        }

        var now = await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/organization");
        Assert.AreEqual("settings-invalid", now.GetProperty("name").GetString());
        Assert.IsFalse(now.GetProperty("mfaRequired").GetBoolean());
    }

    [TestMethod]
    public async Task A_viewer_sees_the_settings_but_may_not_change_them()
    {
        var owner = await _api.RegisterAndSignInAsync("settings-viewer", "owner@settings-viewer.test");
        var viewer = await _api.RegisterAndSignInAsync("settings-viewer-home", "viewer@settings-viewer.test");
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, owner.OrganizationId, viewer.UserId, SystemRoles.Viewer);
        var tokens = await _api.LoginAsync(viewer.Email, viewer.Password, "settings-viewer");
        using var client = _api.Authorized(tokens.AccessToken);

        var seen = await client.GetFromJsonAsync<JsonElement>("/api/v1/organization");
        var refused = await client.PutAsJsonAsync("/api/v1/organization", new { name = "Taken over", mfaRequired = false });

        Assert.AreEqual(owner.OrganizationId.ToString(), seen.GetProperty("id").GetString());
        Assert.AreEqual(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.AreEqual("settings-viewer", (await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/organization")).GetProperty("name").GetString());
        Assert.IsFalse(SystemRoles.Manager.Permissions.Contains(Permissions.Organization.Update));
        Assert.IsTrue(SystemRoles.Admin.Permissions.Contains(Permissions.Organization.Update));
    }

    [TestMethod]
    public async Task Each_organization_reads_and_changes_only_its_own_settings()
    {
        var a = await _api.RegisterAndSignInAsync("settings-a", "owner@settings-a.test");
        var b = await _api.RegisterAndSignInAsync("settings-b", "owner@settings-b.test");

        var renamed = await a.Client.PutAsJsonAsync("/api/v1/organization", new { name = "A renamed", mfaRequired = true });
        var ofA = await a.Client.GetStringAsync("/api/v1/organization");
        var ofB = await b.Client.GetFromJsonAsync<JsonElement>("/api/v1/organization");

        Assert.AreEqual(HttpStatusCode.OK, renamed.StatusCode);
        Assert.DoesNotContain(b.OrganizationId.ToString(), ofA);
        Assert.AreEqual(b.OrganizationId.ToString(), ofB.GetProperty("id").GetString());
        Assert.AreEqual("settings-b", ofB.GetProperty("name").GetString());
        Assert.IsFalse(ofB.GetProperty("mfaRequired").GetBoolean());
    }
}
