using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.Access;

namespace Api.Tests.Access;

[TestClass]
public sealed class UsersAndRolesTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;
    private static ApiFactory.SignedIn _viewer = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("users_roles");
        _owner = await _api.RegisterAndSignInAsync("roles-org", "owner@roles.test");
        var other = await _api.RegisterAndSignInAsync("viewer-home", "viewer@roles.test");
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, other.UserId, SystemRoles.Viewer);
        var tokens = await _api.LoginAsync(other.Email, other.Password, organization: "roles-org");
        _viewer = other with { OrganizationId = _owner.OrganizationId, Tokens = tokens, Client = _api.Authorized(tokens.AccessToken) };
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task Members_are_listed_with_their_roles_page_by_page()
    {
        var first = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/users?limit=1");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/users?limit=1&cursor={cursor}");

        Assert.AreEqual("owner@roles.test", first.GetProperty("items")[0].GetProperty("email").GetString());
        Assert.AreEqual("owner", first.GetProperty("items")[0].GetProperty("roles")[0].GetString());
        Assert.AreEqual("viewer@roles.test", second.GetProperty("items")[0].GetProperty("email").GetString());
        Assert.AreEqual(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
    }

    [TestMethod]
    public async Task A_bad_limit_or_cursor_is_a_validation_problem()
    {
        foreach (var query in new[] { "limit=0", "limit=201", "cursor=not-a-cursor", "cursor=%27%20OR%201%3D1" })
        {
            var response = await _owner.Client.GetAsync($"/api/v1/users?{query}");
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, query);
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, query);
        }
    }

    [TestMethod]
    public async Task A_viewer_can_neither_list_nor_remove_members_and_is_told_which_permission_is_missing()
    {
        var list = await _viewer.Client.GetAsync("/api/v1/users");
        Assert.AreEqual(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.AreEqual(Permissions.Users.Read, (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("permission").GetString());

        var response = await _viewer.Client.DeleteAsync($"/api/v1/users/{_owner.UserId}");

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("permission_denied", problem.GetProperty("code").GetString());
        Assert.AreEqual(Permissions.Users.Remove, problem.GetProperty("permission").GetString());
    }

    [TestMethod]
    public async Task The_last_owner_cannot_be_removed()
    {
        var response = await _owner.Client.DeleteAsync($"/api/v1/users/{_owner.UserId}");

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
        Assert.AreEqual("last_owner", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task A_custom_role_grants_its_permissions_at_once_and_is_audited()
    {
        var created = await _owner.Client.PostAsJsonAsync("/api/v1/roles", new { name = "Auditor", description = "Reads the audit log", permissions = new[] { Permissions.Audit.Read, Permissions.Users.Read } });
        Assert.AreEqual(HttpStatusCode.Created, created.StatusCode, await created.Content.ReadAsStringAsync());
        var roleId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var assigned = await _owner.Client.PutAsync($"/api/v1/users/{_viewer.UserId}/roles/{roleId}", null);

        Assert.AreEqual(HttpStatusCode.NoContent, assigned.StatusCode);
        var member = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/users/{_viewer.UserId}");
        CollectionAssert.AreEquivalent(new[] { "Auditor", "viewer" }, member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ToArray());
        Assert.AreEqual(2L, await CountAuditAsync(_owner.OrganizationId, "role.created", "role.assigned"));
    }

    [TestMethod]
    public async Task Nobody_can_grant_a_permission_they_do_not_hold()
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/roles", new { name = "Operator", description = "", permissions = new[] { Permissions.System.TenantsManage } });

        Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.AreEqual("permission_denied", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task Unknown_permission_names_are_a_validation_problem_naming_them()
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/roles", new { name = "Typo", description = "", permissions = new[] { "users.raed" } });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), "users.raed");
    }

    private static async Task<long> CountAuditAsync(Guid tenant, params string[] actions)
    {
        await using var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM audit_logs WHERE tenant_id = @t AND action = ANY(@a)", connection);
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("a", actions);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
