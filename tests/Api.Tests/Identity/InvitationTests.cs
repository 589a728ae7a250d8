using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Access;

namespace Api.Tests.Identity;

[TestClass]
public sealed class InvitationTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("invitations");
        _owner = await _api.RegisterAndSignInAsync("inviting", "owner@inviting.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_new_person_accepts_an_invitation_and_signs_in_with_the_role()
    {
        await InviteAsync("newcomer@inviting.test", SystemRoles.Admin.Id);
        using var anonymous = _api.CreateClient();

        var accepted = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { code = CodeFor("newcomer@inviting.test"), password = "a fresh long passphrase", displayName = "Newcomer" });

        Assert.AreEqual(HttpStatusCode.NoContent, accepted.StatusCode, await accepted.Content.ReadAsStringAsync());
        var tokens = await _api.LoginAsync("newcomer@inviting.test", "a fresh long passphrase", organization: "inviting");
        using var newcomer = _api.Authorized(tokens.AccessToken);
        Assert.AreEqual(HttpStatusCode.OK, (await newcomer.GetAsync("/api/v1/users")).StatusCode, "admins may list members");
    }

    [TestMethod]
    public async Task An_existing_account_joins_only_with_its_password_and_the_code_works_once()
    {
        var existing = await _api.RegisterAndSignInAsync("elsewhere", "existing@elsewhere.test");
        await InviteAsync(existing.Email, SystemRoles.Viewer.Id);
        var code = CodeFor(existing.Email);
        using var anonymous = _api.CreateClient();

        var wrong = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { code, password = "not their password at all" });
        var right = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { code, password = existing.Password });
        var again = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { code, password = existing.Password });

        Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.AreEqual(HttpStatusCode.NoContent, right.StatusCode);
        Assert.AreEqual(HttpStatusCode.Conflict, again.StatusCode);
        await _api.LoginAsync(existing.Email, existing.Password, organization: "inviting");
        await _api.LoginAsync(existing.Email, existing.Password, organization: "elsewhere");
    }

    [TestMethod]
    public async Task Nobody_can_invite_someone_into_a_role_stronger_than_their_own()
    {
        var admin = await _api.RegisterAndSignInAsync("admin-home", "admin@inviting.test");
        await Api.Tests.TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, admin.UserId, SystemRoles.Admin);
        using var adminClient = _api.Authorized((await _api.LoginAsync(admin.Email, admin.Password, organization: "inviting")).AccessToken);

        var response = await adminClient.PostAsJsonAsync("/api/v1/invitations", new { email = "boss@inviting.test", roleId = SystemRoles.Owner.Id });

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.AreEqual("permission_denied", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task A_revoked_or_forged_code_is_refused()
    {
        var id = await InviteAsync("revoked@inviting.test", SystemRoles.Viewer.Id);
        var code = CodeFor("revoked@inviting.test");
        Assert.AreEqual(HttpStatusCode.NoContent, (await _owner.Client.DeleteAsync($"/api/v1/invitations/{id}")).StatusCode);
        using var anonymous = _api.CreateClient();

        var revoked = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { code, password = "a fresh long passphrase", displayName = "R" });
        var forged = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { code = code[..^4] + "AAAA", password = "a fresh long passphrase", displayName = "R" });

        Assert.AreEqual(HttpStatusCode.BadRequest, revoked.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    private static async Task<Guid> InviteAsync(string email, Guid roleId)
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/invitations", new { email, roleId });
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static string CodeFor(string email) => ApiFactory.CodeIn(_api.LastEmailTo(email));
}
