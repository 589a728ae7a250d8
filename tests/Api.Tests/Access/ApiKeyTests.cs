using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Access;

namespace Api.Tests.Access;

[TestClass]
public sealed class ApiKeyTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("api_keys");
        _owner = await _api.RegisterAndSignInAsync("keys-org", "owner@keys.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_key_can_do_exactly_what_it_was_granted()
    {
        var key = await CreateKeyAsync("reporting", [Permissions.Users.Read]);
        using var client = KeyClient(key);

        Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/api/v1/users")).StatusCode);
        var denied = await client.GetAsync("/api/v1/roles");
        Assert.AreEqual(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.AreEqual(Permissions.Roles.Read, (await denied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("permission").GetString());
    }

    [TestMethod]
    public async Task The_key_is_shown_once_and_lists_show_only_its_prefix()
    {
        var key = await CreateKeyAsync("listed", [Permissions.Users.Read]);

        var listed = await _owner.Client.GetStringAsync("/api/v1/api-keys");

        Assert.IsFalse(listed.Contains(key, StringComparison.Ordinal), "the secret never appears again");
        StringAssert.Contains(listed, key[..key.LastIndexOf('.')]);
    }

    [TestMethod]
    public async Task A_revoked_key_stops_working_at_once()
    {
        var key = await CreateKeyAsync("revoked", [Permissions.Users.Read]);
        var id = (await _owner.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/api-keys"))!.First(k => k.GetProperty("name").GetString() == "revoked").GetProperty("id").GetGuid();

        Assert.AreEqual(HttpStatusCode.NoContent, (await _owner.Client.DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);

        using var client = KeyClient(key);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/users")).StatusCode);
    }

    [TestMethod]
    public async Task A_key_cannot_carry_a_permission_its_creator_lacks()
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "too strong", permissions = new[] { Permissions.System.TenantsManage } });

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [TestMethod]
    public async Task Malformed_or_forged_keys_are_unauthorized_not_errors()
    {
        var real = await CreateKeyAsync("forgery-base", [Permissions.Users.Read]);
        var forged = real[..(real.LastIndexOf('.') + 1)] + new string('A', 42) + "E";

        foreach (var key in new[] { "bpk", "bpk.a.b", forged, "<script>alert(1)</script>", new string('k', 3000) })
        {
            using var client = KeyClient(key);
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/users")).StatusCode, key.Length > 30 ? key[..30] : key);
        }
    }

    [TestMethod]
    public async Task A_key_cannot_manage_roles_even_with_the_permission()
    {
        var key = await CreateKeyAsync("role-admin", [Permissions.Roles.Read, Permissions.Roles.Create]);
        using var client = KeyClient(key);

        var response = await client.PostAsJsonAsync("/api/v1/roles", new { name = "FromKey", description = "", permissions = new[] { Permissions.Users.Read } });

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    internal static async Task<string> CreateKeyAsync(ApiFactory api, ApiFactory.SignedIn owner, string name, string[] permissions)
    {
        var response = await owner.Client.PostAsJsonAsync("/api/v1/api-keys", new { name, permissions });
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private static Task<string> CreateKeyAsync(string name, string[] permissions) => CreateKeyAsync(_api, _owner, name, permissions);

    private static HttpClient KeyClient(string key)
    {
        var client = _api.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", key);
        return client;
    }
}
