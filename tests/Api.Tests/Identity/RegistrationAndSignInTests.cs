using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Api.Tests.Identity;

[TestClass]
public sealed class RegistrationAndSignInTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("auth_flow");

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_registered_owner_confirms_the_email_signs_in_and_sees_their_account()
    {
        var owner = await _api.RegisterAndSignInAsync("acme", "owner@acme.test");

        var me = await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/account");

        Assert.AreEqual("owner@acme.test", me.GetProperty("email").GetString());
        Assert.AreEqual(owner.OrganizationId, me.GetProperty("organizationId").GetGuid());
    }

    [TestMethod]
    public async Task Signing_in_before_confirming_the_email_is_refused_with_a_reason()
    {
        using var client = _api.CreateClient();
        await client.PostAsJsonAsync("/api/v1/auth/register", new { organizationName = "Unconfirmed", organizationSlug = "unconfirmed", email = "new@unconfirmed.test", password = "a long enough passphrase", displayName = "New" });

        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "new@unconfirmed.test", password = "a long enough passphrase" });

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.AreEqual("email_not_confirmed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task A_taken_organization_address_is_a_conflict()
    {
        await _api.RegisterAndSignInAsync("taken", "first@taken.test");
        using var client = _api.CreateClient();

        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { organizationName = "Again", organizationSlug = "taken", email = "second@taken.test", password = "another long passphrase", displayName = "Second" });

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [TestMethod]
    public async Task Invalid_registration_fields_are_reported_field_by_field_and_nothing_is_stored()
    {
        using var client = _api.CreateClient();

        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { organizationName = "", organizationSlug = "Not A Slug!", email = "not-an-email", password = "password123", displayName = "X" });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "organizationName", "organizationSlug", "email" })
        {
            Assert.IsTrue(errors.TryGetProperty(field, out _), $"an error for {field}");
        }

        var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "not-an-email", password = "password123" });
        Assert.AreEqual(HttpStatusCode.Unauthorized, login.StatusCode, "no account was created");
    }

    [TestMethod]
    public async Task A_common_password_is_rejected()
    {
        using var client = _api.CreateClient();

        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { organizationName = "Weak", organizationSlug = "weak", email = "w@weak.test", password = "Password1234!", displayName = "W" });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), "too common");
    }

    [TestMethod]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_answer()
    {
        await _api.RegisterAndSignInAsync("same-answer", "real@same.test");
        using var client = _api.CreateClient();

        var wrong = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "real@same.test", password = "not the password at all" });
        var unknown = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "ghost@same.test", password = "not the password at all" });

        Assert.AreEqual(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.AreEqual(
            (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(),
            (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }
}
