using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Api.Tests.Identity;

/// <summary>A signed-in user renames themselves and changes their password; the old password and their other sessions stop working.</summary>
[TestClass]
public sealed class ProfileAndPasswordTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("profile");

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_user_renames_themselves_and_an_empty_name_is_refused_on_its_field()
    {
        var owner = await _api.RegisterAndSignInAsync("rename", "o@rename.test");

        var renamed = await owner.Client.PutAsJsonAsync("/api/v1/account", new { displayName = "  Amal Haddad  " });
        var empty = await owner.Client.PutAsJsonAsync("/api/v1/account", new { displayName = " " });

        Assert.AreEqual(HttpStatusCode.OK, renamed.StatusCode, await renamed.Content.ReadAsStringAsync());
        Assert.AreEqual("Amal Haddad", (await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("displayName").GetString());
        Assert.AreEqual(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.IsTrue((await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("displayName", out _));
    }

    [TestMethod]
    public async Task Changing_the_password_needs_the_current_one_and_ends_the_other_sessions()
    {
        var owner = await _api.RegisterAndSignInAsync("passwd", "o@passwd.test");
        var otherDevice = await _api.LoginAsync(owner.Email, owner.Password);
        using var otherClient = _api.Authorized(otherDevice.AccessToken);

        var wrong = await owner.Client.PostAsJsonAsync("/api/v1/account/password", new { currentPassword = "not it at all", newPassword = "a brand new passphrase" });
        var weak = await owner.Client.PostAsJsonAsync("/api/v1/account/password", new { currentPassword = owner.Password, newPassword = "short" });
        var changed = await owner.Client.PostAsJsonAsync("/api/v1/account/password", new { currentPassword = owner.Password, newPassword = "a brand new passphrase" });

        Assert.AreEqual(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.IsTrue((await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("currentPassword", out _));
        Assert.AreEqual(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.IsTrue((await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("newPassword", out _));
        Assert.AreEqual(HttpStatusCode.NoContent, changed.StatusCode, await changed.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.OK, (await owner.Client.GetAsync("/api/v1/account")).StatusCode, "this session stays");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await otherClient.GetAsync("/api/v1/account")).StatusCode, "the other session ended");
        using var anonymous = _api.CreateClient();
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = owner.Password })).StatusCode);
        await _api.LoginAsync(owner.Email, "a brand new passphrase");
        var notice = (await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/email/messages?limit=1")).GetProperty("items")[0];
        Assert.AreEqual("password_changed", notice.GetProperty("template").GetString(), "the owner is told their password changed");
        Assert.AreEqual(owner.Email, notice.GetProperty("recipient").GetString());
    }
}
